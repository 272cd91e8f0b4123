"""Bulk ingest throughput of the store (DuckDB, or PostgreSQL with ``--store``), against a
naive row-by-row baseline.

Builds ``sensors x intervals`` synthetic five-minute people counts (default 1,000 x 1,000 =
1,000,000 observations, metric ``count``), appends them into a fresh store for each batch size
(DuckDB: an on-disk file in a temp dir; PostgreSQL: a new schema, dropped afterwards), then
re-appends the same data (all exact duplicates). The baseline inserts ``--baseline-rows`` rows
with ``executemany`` (plain INSERT, no duplicate check at all) and is scaled to observations/s,
so the ratio is visible in one run.

    python benchmarks/ingest_bulk.py                       # 100,000 and 1,000,000 per batch
    python benchmarks/ingest_bulk.py --batch-size 50000 --order sensor
    python benchmarks/ingest_bulk.py --store postgresql://127.0.0.1:5432/test --batch-size 100000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from crowdsafety.store import AppendResult, Store
from crowdsafety.store.duckdb_store import DuckDBStore

INTERVAL_S = 300
T0 = pd.Timestamp("2024-07-01", tz="UTC")


def synthetic_counts(sensors: int, intervals: int, order: str, seed: int = 7) -> pd.DataFrame:
    """People counts with a daily cycle per sensor; rows in time order or grouped by sensor."""
    rng = np.random.default_rng(seed)
    slot = np.arange(intervals)
    sensor = np.arange(sensors)
    if order == "time":
        slot_of_row, sensor_of_row = np.repeat(slot, sensors), np.tile(sensor, intervals)
    else:
        slot_of_row, sensor_of_row = np.tile(slot, sensors), np.repeat(sensor, intervals)
    start = T0 + pd.to_timedelta(slot_of_row * INTERVAL_S, unit="s")
    hour = (slot_of_row * INTERVAL_S / 3600.0) % 24
    daily = 1.0 + np.sin((hour - 9.0) / 24.0 * 2 * np.pi)  # peak mid-afternoon, 0 at 03:00
    mean_rate = rng.uniform(5, 400, sensors)[sensor_of_row]
    delay = pd.to_timedelta(INTERVAL_S + rng.integers(5, 90, len(start)), unit="s")
    ids = np.array([f"cam-{i:04d}" for i in sensor], dtype=object)[sensor_of_row]
    return pd.DataFrame(
        {
            "sensor_id": pd.array(ids, dtype="str"),
            "start": start,
            "interval_s": np.full(len(start), INTERVAL_S, dtype=np.int64),
            "metric": pd.array(np.full(len(start), "count", dtype=object), dtype="str"),
            "value": rng.poisson(mean_rate * daily).astype(np.float64),
            "quality": pd.array(np.full(len(start), "ok", dtype=object), dtype="str"),
            "received_at": start + delay,
        }
    )


def append_in_batches(
    store: Store, data: pd.DataFrame, batch_size: int, progress: Progress, label: str
) -> tuple[float, AppendResult]:
    """Seconds taken to append ``data`` in batches, and the summed counts."""
    task = progress.add_task(label, total=len(data))
    totals = np.zeros(3, dtype=np.int64)
    began = time.perf_counter()
    for first in range(0, len(data), batch_size):
        result = store.append_observations(data.iloc[first : first + batch_size])
        totals += (result.inserted, result.duplicates, result.corrections)
        progress.advance(task, min(batch_size, len(data) - first))
    seconds = time.perf_counter() - began
    return seconds, AppendResult(*(int(x) for x in totals))


def naive_baseline(data: pd.DataFrame, rows: int, stores: StoreFactory, progress: Progress) -> float:
    """Observations/s of a row-by-row ``executemany`` INSERT (no duplicate check) into a fresh
    store's table, bypassing the store on purpose."""
    sample = data.iloc[:rows]
    records = [
        (i, r.sensor_id, r.start.to_pydatetime(), r.interval_s, r.metric, r.value, r.quality,
         r.received_at.to_pydatetime())
        for i, r in enumerate(sample.itertuples(index=False))
    ]
    task = progress.add_task(f"executemany, {rows:,} rows", total=rows)
    chunk = max(1, rows // 20)
    with stores.fresh("baseline") as store:
        began = time.perf_counter()
        for first in range(0, rows, chunk):
            rows_now = records[first : first + chunk]
            stores.insert_rows(store, rows_now)
            progress.advance(task, len(rows_now))
        seconds = time.perf_counter() - began
    return rows / seconds


class StoreFactory:
    """Fresh, empty stores of one backend: DuckDB files in ``folder``, or PostgreSQL schemas on
    the server of ``url`` (each dropped when done)."""

    def __init__(self, folder: Path, url: str | None) -> None:
        self.folder, self.url = folder, url
        if url is not None and not url.startswith(("postgresql://", "postgres://")):
            raise SystemExit(f"--store takes a postgresql:// URL (DuckDB is the default), got {url!r}")
        if url is not None and "schema=" in url:
            raise SystemExit("--store: leave out schema=; each run gets a fresh schema of its own")

    @property
    def title(self) -> str:
        return "DuckDB store" if self.url is None else "PostgreSQL store"

    @contextmanager
    def fresh(self, label: str) -> Iterator[Store]:
        if self.url is None:
            store: Store = DuckDBStore(str(self.folder / f"bench-{label}.duckdb"))
            try:
                yield store
            finally:
                store.close()
            return
        from crowdsafety.store.postgres_store import PostgresStore

        schema = f"bench_{os.getpid()}_{label}"
        store = PostgresStore(f"{self.url}{'&' if '?' in self.url else '?'}schema={schema}")
        try:
            yield store
        finally:
            store.close()
            self._drop(schema)

    def insert_rows(self, store: Store, rows: list[tuple]) -> None:
        """Plain INSERT of whole observation rows, one statement per row (``executemany``)."""
        if isinstance(store, DuckDBStore):
            con = store._con
            assert con is not None
            con.executemany("INSERT INTO observations VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            return
        with store._pool.connection() as conn, conn.cursor() as cur:  # type: ignore[attr-defined]
            cur.executemany("INSERT INTO observations VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)

    def _drop(self, schema: str) -> None:
        import psycopg
        from psycopg import sql

        from crowdsafety.store.postgres_connection import parse_url

        with psycopg.connect(parse_url(self.url or "").conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", type=int, default=1000)
    parser.add_argument("--intervals", type=int, default=1000)
    parser.add_argument(
        "--batch-size", type=int, nargs="+", default=[100_000, 1_000_000],
        help="observations per append; one fresh store per size",
    )
    parser.add_argument("--order", choices=("time", "sensor"), default="time",
                        help="row order: as arriving in time (default) or grouped by sensor")
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    parser.add_argument("--store", metavar="URL", default=None,
                        help="measure PostgreSQL at this postgresql:// URL (a fresh schema per run, "
                             "dropped afterwards) instead of DuckDB files in a temp dir")
    args = parser.parse_args()

    console = Console()
    data = synthetic_counts(args.sensors, args.intervals, args.order)
    n = len(data)
    table = Table(title=f"bulk ingest: {n:,} observations, {args.order} order")
    for column in ("run", "batch", "seconds", "obs/s", "inserted", "duplicates"):
        table.add_column(column, justify="right")
    progress = Progress(console=console, transient=True)
    with tempfile.TemporaryDirectory() as tmp, progress:
        stores = StoreFactory(Path(tmp), args.store)
        table.title = f"{stores.title} {table.title}"
        rates: list[float] = []
        for size in args.batch_size:
            with stores.fresh(str(size)) as store:
                for run in ("fresh", "re-append"):
                    seconds, result = append_in_batches(store, data, size, progress, f"{run}, {size:,}")
                    rates.append(n / seconds)
                    table.add_row(run, f"{size:,}", f"{seconds:.2f}", f"{n / seconds:,.0f}",
                                  f"{result.inserted:,}", f"{result.duplicates:,}")
        baseline = naive_baseline(data, args.baseline_rows, stores, progress)
    table.add_row("executemany", "1 row", f"{n / baseline:,.0f}*",
                  f"{baseline:,.0f}", "-", "-")
    console.print(table)
    console.print("* scaled from the baseline's rate; it checks no duplicates at all")
    console.print(
        f"bulk append is {min(rates) / baseline:,.0f}x to {max(rates) / baseline:,.0f}x "
        f"the naive baseline ({baseline:,.0f} observations/s, from {args.baseline_rows:,} rows)"
    )


if __name__ == "__main__":
    main()
