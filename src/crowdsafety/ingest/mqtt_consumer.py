"""Sensor messages from an MQTT broker into the store, acknowledged only once stored (paho-mqtt 2).

The consumer subscribes with QoS 1 on a persistent session (MQTT 5, a fixed client id per site
and consumer, ``clean_start`` off, a session expiry of a week by default), so the broker keeps
the messages that arrive while the consumer is away. Messages are acknowledged by hand
(``manual_ack``): paho's network thread parses each message into rows and queues it; a writer
thread stores the rows of many messages with one ``ingest`` call when ``batch_rows`` rows are
waiting or the oldest message has waited ``batch_wait_s``, writes the dead letters, and only
then sends the PUBACKs. A crash before the write means the broker delivers the messages again,
never that they are lost; the store ignores the exact duplicates this produces.

A PUBACK is sent only on the connection that delivered the message: after a reconnect the
broker redelivers what was not acknowledged (same packet ids), so an old packet id must not be
acknowledged on the new connection. ``receive_maximum`` (MQTT 5 Receive Maximum) is how many
unacknowledged messages the broker may send at once; it must cover about two batches.

The broker must not drop queued messages either: Mosquitto's ``max_queued_messages`` (default
1000 per client, above the in-flight ones) silently drops QoS 1 messages beyond it, so a broker
for sensor ingest needs it raised (or 0) with ``max_queued_bytes`` as the memory bound, and
``persistence true`` to keep sessions across broker restarts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from crowdsafety.domain import StoreError
from crowdsafety.domain.dead_letter import MAX_PAYLOAD_CHARS
from crowdsafety.ingest.mqtt_batch import BatchOutcome, DeadLetterSink, Ingest, Received, write_batch
from crowdsafety.ingest.mqtt_payload import ParsedMessage, RowProblem, parse_message

log = logging.getLogger(__name__)

DEFAULT_PORT = 1883


def default_topic(site_id: str) -> str:
    """``crowdsafety/<site-id>/sensors/+``: one topic per sensor, the last level its id."""
    return f"crowdsafety/{site_id}/sensors/+"


def default_client_id(site_id: str, consumer: str = "ingest") -> str:
    """The fixed client id of a site's consumer; the broker keeps its session under this id."""
    return f"crowdsafety-{site_id}-{consumer}"


@dataclass(frozen=True)
class MqttIngestConfig:
    """Broker, topic filter and client id; batches of at most ``batch_rows`` rows written after
    at most ``batch_wait_s`` seconds; reconnect back-off from ``reconnect_min_s`` to
    ``reconnect_max_s`` seconds; the broker keeps the session ``session_expiry_s`` seconds."""

    topic: str
    client_id: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = None
    keepalive_s: int = 30
    batch_rows: int = 5_000
    batch_wait_s: float = 0.05
    receive_maximum: int = 10_000
    session_expiry_s: int = 7 * 24 * 3600
    reconnect_min_s: int = 1
    reconnect_max_s: int = 30

    @classmethod
    def for_site(cls, site_id: str, broker_url: str, *, topic: str | None = None,
                 client_id: str | None = None, **options: object) -> "MqttIngestConfig":
        """The config of ``site_id``'s consumer on ``mqtt://[user:password@]host[:port]``."""
        host, port, username, password = parse_broker_url(broker_url)
        return cls(topic=topic or default_topic(site_id), client_id=client_id or default_client_id(site_id),
                   host=host, port=port, username=username, password=password, **options)  # type: ignore[arg-type]


def parse_broker_url(url: str) -> tuple[str, int, str | None, str | None]:
    """(host, port, username, password) of ``mqtt://[user:password@]host[:port]``; ValueError
    saying what is wrong otherwise."""
    parts = urlsplit(url if "://" in url else f"mqtt://{url}")
    if parts.scheme != "mqtt":
        raise ValueError(f"broker URL {url!r}: expected mqtt://host[:port] (TLS is not supported yet)")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ValueError(f"broker URL {url!r}: the port must be a number 1-65535") from None
    if not parts.hostname:
        raise ValueError(f"broker URL {url!r} names no host")
    if parts.path not in ("", "/"):
        raise ValueError(f"broker URL {url!r}: give the topic separately, not in the URL")
    return parts.hostname, port, parts.username, parts.password


@dataclass(frozen=True)
class ConsumerStats:
    """Counts since start: messages received and acknowledged, rows stored new, duplicates,
    corrections, dead letters, batches written, connections made, failed writes."""

    received: int = 0
    acknowledged: int = 0
    inserted: int = 0
    duplicates: int = 0
    corrections: int = 0
    dead_letters: int = 0
    batches: int = 0
    connections: int = 0
    write_failures: int = 0


class MqttConsumer:
    """Subscribes, batches, stores through ``ingest``, dead-letters through ``dead_letters``,
    then acknowledges. ``start()`` returns at once; paho reconnects by itself."""

    def __init__(self, config: MqttIngestConfig, ingest: Ingest, dead_letters: DeadLetterSink,
                 on_stop: Callable[[], None] | None = None):
        self.config = config
        self._ingest, self._dead_letters, self._on_stop = ingest, dead_letters, on_stop
        self._cond = threading.Condition()
        self._pending: list[Received] = []
        self._pending_rows = 0
        self._received = 0  # counted under _cond, the rest of the stats under _stats_lock
        self._stopping = threading.Event()
        self._abort = threading.Event()
        self._ack_lock = threading.Lock()
        self._connection = 0  # bumped on every connect and disconnect
        self._connected = False
        self._subscribed = threading.Event()
        self._counts = {name: 0 for name in ConsumerStats.__dataclass_fields__ if name != "received"}
        self._stats_lock = threading.Lock()
        self._writer = threading.Thread(target=self._write_loop, name="mqtt-ingest-writer", daemon=True)
        self._client = self._make_client()

    # -- public ---------------------------------------------------------------------------------

    def start(self) -> "MqttConsumer":
        c = self.config
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = c.session_expiry_s
        properties.ReceiveMaximum = c.receive_maximum
        log.info("MQTT: consuming %s from %s:%d as %s", c.topic, c.host, c.port, c.client_id)
        self._writer.start()
        self._client.connect_async(c.host, c.port, c.keepalive_s, clean_start=False, properties=properties)
        self._client.loop_start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Write and acknowledge what was received, then disconnect (at most ``timeout_s``)."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        self._writer.join(timeout_s)
        if self._writer.is_alive():
            log.warning("MQTT: pending messages not written within %.0f s; the broker will deliver them again",
                        timeout_s)
            self._abort.set()
            self._writer.join(2)
        self._client.disconnect()
        self._client.loop_stop()
        if self._on_stop is not None:
            self._on_stop()

    def wait_subscribed(self, timeout_s: float) -> bool:
        """True once the broker confirmed the subscription on the current connection."""
        return self._subscribed.wait(timeout_s)

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def stats(self) -> ConsumerStats:
        with self._stats_lock:
            counts = dict(self._counts)
        return ConsumerStats(received=self._received, **counts)

    def __enter__(self) -> "MqttConsumer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- paho's network thread ------------------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        c = self.config
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=c.client_id,
                             protocol=MQTTProtocolVersion.MQTTv5, manual_ack=True)
        if c.username:
            client.username_pw_set(c.username, c.password)
        client.reconnect_delay_set(min_delay=c.reconnect_min_s, max_delay=c.reconnect_max_s)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _on_connect(self, client: mqtt.Client, _userdata: object, flags: mqtt.ConnectFlags,
                    reason: object, _properties: object) -> None:
        if getattr(reason, "is_failure", False):
            log.error("MQTT: %s:%d refused the connection: %s", self.config.host, self.config.port, reason)
            return
        with self._ack_lock:
            self._connection += 1
            self._connected = True
        self._count(connections=1)
        log.info("MQTT: connected to %s:%d (%s)", self.config.host, self.config.port,
                 "session resumed" if flags.session_present else "new session")
        client.subscribe(self.config.topic, qos=1)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: object, _flags: object,
                       reason: object, _properties: object) -> None:
        with self._ack_lock:
            self._connection += 1
            self._connected = False
        self._subscribed.clear()
        if not self._stopping.is_set():
            log.warning("MQTT: disconnected from %s:%d (%s); reconnecting", self.config.host, self.config.port, reason)

    def _on_subscribe(self, _client: mqtt.Client, _userdata: object, _mid: int,
                      reasons: list, _properties: object) -> None:
        failed = [r for r in reasons if getattr(r, "is_failure", False)]
        if failed:
            log.error("MQTT: the broker refused the subscription to %s: %s", self.config.topic, failed[0])
            return
        log.info("MQTT: subscribed to %s", self.config.topic)
        self._subscribed.set()

    def _on_message(self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage) -> None:
        if self._stopping.is_set():
            return  # not acknowledged: the broker delivers it again to the next consumer
        try:
            topic = message.topic
            parsed = parse_message(topic, message.payload)
        except Exception as exc:  # noqa: BLE001 - paho's network thread must survive any message
            topic = message._topic.decode("utf-8", errors="replace")  # noqa: SLF001 - a topic that is not UTF-8
            payload = message.payload[:MAX_PAYLOAD_CHARS].decode("utf-8", errors="replace")
            parsed = ParsedMessage(problems=[RowProblem(f"could not be read: {exc}", payload)])
        received = Received(topic, message.mid, message.qos, self._connection, datetime.now(timezone.utc),
                            time.monotonic(), parsed)
        with self._cond:
            self._pending.append(received)
            self._pending_rows += received.weight
            self._received += 1
            if self._pending_rows >= self.config.batch_rows:
                self._cond.notify()

    # -- the writer thread ----------------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            batch = self._next_batch()
            if not batch:
                return
            outcome = self._write(batch)
            if outcome is None:
                return
            self._acknowledge(batch, outcome)

    def _next_batch(self) -> list[Received]:
        """Wait for ``batch_rows`` rows or ``batch_wait_s`` after the oldest; [] when stopping."""
        with self._cond:
            while not self._pending and not self._stopping.is_set():
                self._cond.wait(0.5)
            while (self._pending_rows < self.config.batch_rows and not self._stopping.is_set()
                   and (left := self._pending[0].arrived_s + self.config.batch_wait_s - time.monotonic()) > 0):
                self._cond.wait(left)
            batch, self._pending = _split(self._pending, self.config.batch_rows)
            self._pending_rows -= sum(m.weight for m in batch)
            return batch

    def _write(self, batch: list[Received]) -> BatchOutcome | None:
        """Write ``batch``, retrying with back-off while the store fails; None when aborted."""
        delay = 0.5
        while True:
            try:
                return write_batch(batch, self._ingest, self._dead_letters)
            except Exception as exc:  # noqa: BLE001 - keep the messages and try again
                self._count(write_failures=1)
                if isinstance(exc, StoreError):
                    log.error("MQTT: storing %d message(s) failed, nothing acknowledged; retrying in %.1f s: %s",
                              len(batch), delay, exc)
                else:
                    log.exception("MQTT: writing %d message(s) failed, nothing acknowledged; retrying in %.1f s",
                                  len(batch), delay)
            if self._abort.wait(delay):
                return None
            delay = min(delay * 2, 30.0)

    def _acknowledge(self, batch: list[Received], outcome: BatchOutcome) -> None:
        acked = 0
        with self._ack_lock:
            for message in batch:
                if message.qos and message.connection == self._connection and self._connected:
                    self._client.ack(message.mid, message.qos)
                    acked += 1
        self._count(acknowledged=acked, inserted=outcome.inserted, duplicates=outcome.duplicates,
                    corrections=outcome.corrections, dead_letters=outcome.dead_letters, batches=1)

    def _count(self, **increments: int) -> None:
        with self._stats_lock:
            for name, n in increments.items():
                self._counts[name] += n


def _split(pending: list[Received], max_rows: int) -> tuple[list[Received], list[Received]]:
    """The first messages holding up to ``max_rows`` rows (at least one), and the rest."""
    rows = 0
    for i, message in enumerate(pending):
        rows += message.weight
        if rows >= max_rows:
            return pending[: i + 1], pending[i + 1:]
    return pending, []
