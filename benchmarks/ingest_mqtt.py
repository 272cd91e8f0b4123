"""Sustained MQTT ingest: publisher processes -> Mosquitto -> the consumer -> DuckDB / PostgreSQL.

The consumer is the service's (``crowdsafety.ingest.mqtt_consumer``, bound to ``Runtime.ingest``
as ``crowdsafety serve --mqtt`` binds it), on a synthetic site of 1,000 counting cameras. Each
publisher process owns a share of the sensors and publishes QoS 1 messages on
``crowdsafety/grid/sensors/<id>``, each a JSON array of ``--rows-per-message`` observations.

What a message holds: a counting camera sends one count per 5-minute interval, so live traffic is
one row per message and tiny (1,000 cameras make 3.3 messages/s). Rates of 20,000 rows/s occur
when sensors or gateways catch up after an outage, and then a message carries a run of intervals:
the default, 12 rows, is an hour of 5-minute counts. ``--rows-per-message 1`` measures the
per-message cost.

Each sensor catches up from 30 days back: its messages carry consecutive intervals, so the rows
of a batch span about an hour, as when a city's sensors deliver a backlog, and the store's
duplicate check looks at that hour only.

Latency: every row's value is its message's publish time (ms since the epoch, mod 10^9, the
publisher's clock; the store does not interpret values), so (commit time - value) mod 10^9 is the
time from publish to the commit of the batch that stored the row; the consumer's ingest call is
timed right after it returns (the rows are then committed).

Two runs per store, each on a fresh store: "paced", publishers offering ``--rate`` rows/s for
``--seconds`` while the consumer runs (is it kept up, and the latency); "backlog", the same rows
published flat out while the consumer is away, then drained by it (what the consumer alone
stores per second, without sharing the CPUs with the publishers; stored/s counts from its start).

    .venv/bin/python benchmarks/ingest_mqtt.py [--store URL ...] [--broker mqtt://127.0.0.1:1883]
        [--publishers 2] [--rows-per-message 12] [--rate 20000] [--seconds 10]

Without ``--broker`` it starts its own Mosquitto on a free port (the packaged default config
drops QoS 1 messages queued beyond 1,000 per client, so ours raises ``max_queued_messages``).
Without ``--store`` it measures a fresh DuckDB file and, when PostgreSQL answers on
127.0.0.1:5432 (database ``test``), a fresh schema there (dropped afterwards). ``--store
postgresql`` takes that server alone; a ``postgresql://`` URL gets a fresh schema of its own per
run too (a store holding the rows of the run before would store nothing new).
"""

from __future__ import annotations

import argparse
import getpass
import multiprocessing as mp
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from synthetic_site import write_grid_site  # noqa: E402

from crowdsafety.ingest.mqtt_consumer import MqttConsumer, MqttIngestConfig, parse_broker_url  # noqa: E402
from crowdsafety.service import Runtime  # noqa: E402
from crowdsafety.sites import load_site  # noqa: E402
from crowdsafety.store import open_store  # noqa: E402

INTERVAL_S = 300
BACKLOG_S = 30 * 86_400  # sensors catch up from this far back
STAMP_MOD = 10**9  # publish times in ms are sent modulo this (a count must stay below 10^12)
SENSORS = 1_000
PG_URLS = ("postgresql://127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test")
console = Console(width=150)


# -- the publishers (separate processes) -----------------------------------------------------------


def publish(port: int, sensors: list[str], rows_per_message: int, messages: int, rate: float,
            go: Any, results: Any) -> None:
    """Publish ``messages`` messages round the ``sensors`` at ``rate`` rows/s (0: flat out) once
    ``go`` is set; put (messages acknowledged, first and last publish time) on ``results``."""
    import json

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:8]}")
    client.max_inflight_messages_set(1_000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    results.put("ready")
    go.wait()
    began = time.time()
    first = int(began) // INTERVAL_S * INTERVAL_S - BACKLOG_S
    infos = []
    for m in range(messages):
        if rate:
            ahead = began + m * rows_per_message / rate - time.time()
            if ahead > 0:
                time.sleep(ahead)
        stamp = int(time.time() * 1000) % STAMP_MOD
        interval = m // len(sensors) * rows_per_message
        rows = [{"start": datetime.fromtimestamp(first + (interval + k) * INTERVAL_S, timezone.utc).isoformat(),
                 "metric": "count", "value": stamp} for k in range(rows_per_message)]
        infos.append(client.publish(f"crowdsafety/grid/sensors/{sensors[m % len(sensors)]}", json.dumps(rows), qos=1))
    ended = time.time()
    deadline = time.monotonic() + 120
    for info in infos:
        info.wait_for_publish(max(0.1, deadline - time.monotonic()))
    results.put((sum(i.is_published() for i in infos), began, ended))
    client.disconnect()
    client.loop_stop()


# -- one run ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    published: int  # rows in acknowledged messages
    stored: int
    publish_rate: float  # rows published per second
    rate: float  # rows stored per second: first publish (backlog: consumer start) to last commit
    latency_ms: tuple[float, float, float] | None  # p50, p99, max; None for a backlog
    cpu_us: float  # CPU time of this process (consumer, validation, DuckDB; not PostgreSQL's server) per row


def run(store_url: str, broker_url: str, sensors: list[str], site_dir: Path, *, publishers: int,
        rows_per_message: int, rows: int, rate: float, batch_rows: int, backlog: bool) -> Outcome:
    """Publish ``rows`` at ``rate`` rows/s (0: flat out) while the consumer runs, or with
    ``backlog`` while it is away (the broker queues them) and then time how it drains them."""
    runtime = Runtime(load_site(site_dir), open_store(store_url))
    runtime.ingest([{"sensor_id": sensors[0], "start": "2020-01-01T00:00:00Z", "metric": "count", "value": 0}])  # warm-up
    commits: list[tuple[float, list[Any]]] = []

    def timed_ingest(batch: list[Any]) -> Any:
        report = runtime.ingest(batch)
        commits.append((time.time(), batch))
        return report

    config = MqttIngestConfig.for_site("grid", broker_url, client_id=f"bench-{uuid.uuid4().hex[:8]}",
                                       batch_rows=batch_rows, session_expiry_s=120)

    def start_consumer() -> MqttConsumer:
        consumer = MqttConsumer(config, timed_ingest, runtime.store.append_dead_letters).start()
        if not consumer.wait_subscribed(15):
            raise SystemExit(f"the consumer did not subscribe on {broker_url}")
        return consumer

    cpu = time.process_time()
    consumer = start_consumer()  # makes the broker's session for it
    try:
        if backlog:
            consumer.stop()
        published, first_publish, last_publish = publish_all(broker_url, sensors, publishers, rows_per_message,
                                                             rows, rate)
        began = first_publish
        if backlog:
            began = time.time()
            consumer = start_consumer()
        deadline = time.monotonic() + 300
        while consumer.stats.inserted + consumer.stats.duplicates < published and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop()
        runtime.store.close()
    cpu = time.process_time() - cpu
    latencies = np.array([(int(t * 1000) - r["value"]) % STAMP_MOD for t, batch in commits for r in batch], dtype=float)
    last_commit = max(t for t, _ in commits)
    stored = consumer.stats.inserted
    return Outcome(published, stored, published / (last_publish - first_publish), stored / (last_commit - began),
                   None if backlog else (*np.percentile(latencies, [50, 99]), latencies.max()), cpu / max(stored, 1) * 1e6)


def publish_all(broker_url: str, sensors: list[str], publishers: int, rows_per_message: int, rows: int,
                rate: float) -> tuple[int, float, float]:
    """Rows acknowledged, and the first and last publish time, of ``publishers`` processes."""
    messages = rows // rows_per_message // publishers
    ctx = mp.get_context("spawn")
    go, results = ctx.Event(), ctx.Queue()
    port = parse_broker_url(broker_url)[1]
    procs = [ctx.Process(target=publish, args=(port, sensors[i::publishers], rows_per_message, messages,
                                               rate / publishers, go, results)) for i in range(publishers)]
    for p in procs:
        p.start()
    for _ in procs:
        assert results.get(timeout=120) == "ready"
    go.set()
    answers = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(30)
    return (sum(a[0] for a in answers) * rows_per_message, min(a[1] for a in answers), max(a[2] for a in answers))


# -- brokers and stores ----------------------------------------------------------------------------


def start_broker(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = folder / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nuser {getpass.getuser()}\n"
                    "max_queued_messages 10000000\n")
    proc = subprocess.Popen([mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"mqtt://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"could not start {mosquitto}") from None
            time.sleep(0.05)


PG_PROBLEMS: list[str] = []


def postgres_url() -> str | None:
    """A URL with a fresh schema on the local PostgreSQL, or None (why: ``PG_PROBLEMS``)."""
    import psycopg

    PG_PROBLEMS.clear()
    for url in PG_URLS:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1").fetchall()
            return f"{url}?schema=bench_mqtt_{uuid.uuid4().hex[:8]}"
        except psycopg.Error as exc:
            PG_PROBLEMS.append(f"{url}: {str(exc).strip().splitlines()[0]}")
    return None


def fresh(store: str, run: int) -> str:
    """Each run measures an empty store: a PostgreSQL URL gets a schema of its own (dropped
    after the run, whatever ``?schema=`` it named); a DuckDB URL may hold ``{run}``."""
    if store.startswith(("postgresql://", "postgres://")):
        return f"{store.partition('?')[0]}?schema=bench_mqtt_{uuid.uuid4().hex[:8]}"
    return store.format(run=run)


def drop_schema(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, _, schema = url.partition("?schema=")
    with psycopg.connect(base, connect_timeout=5, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", action="append", help="store URL (repeatable); default: DuckDB file and PostgreSQL")
    parser.add_argument("--broker", help="an existing broker, mqtt://host:port (default: start our own Mosquitto)")
    parser.add_argument("--publishers", type=int, default=2, help="publisher processes")
    parser.add_argument("--rows-per-message", type=int, default=12)
    parser.add_argument("--rate", type=float, default=20_000, help="offered rows/s of the paced run")
    parser.add_argument("--seconds", type=float, default=10, help="length of the paced run")
    parser.add_argument("--batch-rows", type=int, default=5_000, help="consumer batch size (rows)")
    args = parser.parse_args()

    rows = int(args.rate * args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        site_dir = Path(tmp) / "site"
        sensors = write_grid_site(site_dir, SENSORS)
        broker, broker_url = (None, args.broker) if args.broker else start_broker(Path(tmp))
        stores = args.store or [f"duckdb:///{tmp}/bench-{{run}}.duckdb", "postgresql"]
        if "postgresql" in stores and postgres_url() is None:
            console.print(f"[yellow]PostgreSQL skipped[/yellow]: no server answered ({'; '.join(PG_PROBLEMS)})")
            stores.remove("postgresql")
        table = Table(title=f"MQTT ingest, {SENSORS:,} sensors: {args.publishers} publisher processes, {args.rows_per_message} rows a "
                            f"message, consumer batches of ≤ {args.batch_rows:,} rows / 50 ms")
        for col in ("store", "run", "rows acked", "rows stored", "published/s", "stored/s", "p50 ms", "p99 ms",
                    "max ms", "CPU µs/row"):
            table.add_column(col, justify="left" if col in ("store", "run") else "right")
        runs = [("paced", args.rate, False), ("backlog", 0.0, True)]
        try:
            for n, (store, (label, rate, backlog)) in enumerate((s, r) for s in stores for r in runs):
                url = postgres_url() if store == "postgresql" else fresh(store, n)
                name = url.split("://")[0]
                console.print(f"{name}: {label} run ({rows:,} rows) …")
                try:
                    o = run(url, broker_url, sensors, site_dir, publishers=args.publishers,
                            rows_per_message=args.rows_per_message, rows=rows, rate=rate,
                            batch_rows=args.batch_rows, backlog=backlog)
                finally:
                    if url.startswith(("postgresql://", "postgres://")):
                        drop_schema(url)
                lost = "" if o.stored >= o.published else " [red](lost!)[/red]"
                latency = [f"{ms:,.0f}" for ms in o.latency_ms] if o.latency_ms else ["", "", ""]
                table.add_row(name, f"{label} {rate:,.0f}/s" if rate else label, f"{o.published:,}",
                              f"{o.stored:,}{lost}", f"{o.publish_rate:,.0f}", f"{o.rate:,.0f}", *latency,
                              f"{o.cpu_us:.0f}")
        finally:
            if broker is not None:
                broker.terminate()
                broker.wait(10)
    console.print(table)
    console.print("targets: stored/s ≥ 20,000 and p99 ≤ 1,000 ms (publish to committed). CPU µs/row: this "
                  "process (consumer, validation, DuckDB), not the publishers, the broker or PostgreSQL's server.")


if __name__ == "__main__":
    main()
