"""``crowdsafety ingest-mqtt``: sensor messages from an MQTT broker into the store, and
:func:`start_consumer` for ``serve`` and ``demo`` to run the same consumer in the service process
(the embedded DuckDB store is held by one process)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Optional

import typer

from crowdsafety.cli.common import SiteArg, StoreOpt, errors, open_runtime
from crowdsafety.ingest.mqtt_consumer import ConsumerStats, MqttConsumer, MqttIngestConfig, default_topic
from crowdsafety.service import Runtime
from crowdsafety.service.stream_audit import AuditedIngest

#: Seconds between the progress lines of ``ingest-mqtt``.
STATS_EVERY_S = 30.0

BrokerOpt = typer.Option("mqtt://127.0.0.1:1883", "--broker", help="MQTT broker, mqtt://[user:password@]host[:port]")


def start_consumer(runtime: Runtime, broker_url: str, *, topic: str | None = None,
                   client_id: str | None = None) -> MqttConsumer:
    """Start consuming ``runtime``'s site topics on ``broker_url`` into its store (returns at
    once; stop it with ``.stop()``). ValueError when the URL is wrong."""
    _log_to_stderr()
    config = MqttIngestConfig.for_site(runtime.site.id, broker_url, topic=topic, client_id=client_id)
    audited = AuditedIngest(runtime, f"mqtt {config.client_id}")
    return MqttConsumer(config, audited, runtime.store.append_dead_letters, on_stop=audited.flush).start()


def start_consumer_or_exit(runtime: Runtime, broker_url: str, option: str = "--mqtt", **kwargs: str | None) -> MqttConsumer:
    """:func:`start_consumer`, a wrong URL ending the command with a usage error naming ``option``."""
    try:
        return start_consumer(runtime, broker_url, **kwargs)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def ingest_mqtt(
    site_dir: str = SiteArg,
    store: Optional[str] = StoreOpt,
    broker: str = BrokerOpt,
    topic: Optional[str] = typer.Option(None, help="Topic filter; the last level is the sensor id "
                                                   "(default crowdsafety/<site-id>/sensors/+)"),
    client_id: Optional[str] = typer.Option(None, help="Client id the broker keeps the session under "
                                                       "(default crowdsafety-<site-id>-ingest)"),
) -> None:
    """Store sensor observations published on an MQTT broker until stopped (Ctrl-C, SIGTERM).

    Payloads as for POST /api/v1/observations; invalid messages go to the dead-letter table.

    For a PostgreSQL store shared with API processes. The embedded DuckDB store is held by one
    process: there, run the consumer inside the service (crowdsafety serve --mqtt URL).
    """
    runtime, settings = open_runtime(site_dir, store)
    consumer = start_consumer_or_exit(runtime, broker, "--broker", topic=topic, client_id=client_id)
    errors.print(f"Consuming {topic or default_topic(runtime.site.id)} from {broker} into {settings.store_url}")
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    last = None
    try:
        while not stop.wait(STATS_EVERY_S):
            stats = consumer.stats
            if stats != last:
                errors.print(_summary(stats), highlight=False)
                last = stats
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        consumer.stop()
        runtime.store.close()
    errors.print(_summary(consumer.stats), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("ingest-mqtt")(ingest_mqtt)


def _summary(s: ConsumerStats) -> str:
    return (f"MQTT: {s.received} messages, {s.inserted} rows stored, {s.duplicates} duplicates, "
            f"{s.corrections} corrections, {s.dead_letters} dead letters, {s.connections} connection(s)")


def _log_to_stderr() -> None:
    """The consumer's connects, disconnects and dead letters on stderr, once."""
    logger = logging.getLogger("crowdsafety.ingest")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
