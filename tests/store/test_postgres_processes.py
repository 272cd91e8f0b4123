"""Several OS processes sharing one PostgreSQL store: appends overlap, nothing is stored twice,
the decision log stays one chain, and of two overlapping flights registered at once one is stored.

To make the two processes really collide, the test holds the store's advisory lock itself
until both have queued for it (which also shows that they take it), then lets them race.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
import psycopg
from psycopg import sql

from crowdsafety.decide import DecisionDraft, seal, verify_chain
from crowdsafety.domain import OBSERVATION_COLUMNS, StoreError
from crowdsafety.domain.flight import Flight, FlightPurpose, TimeWindow
from crowdsafety.store.postgres_schema import LOCK_DECISIONS, LOCK_FLIGHTS, LOCK_OBSERVATIONS
from crowdsafety.store.postgres_store import PostgresStore

if TYPE_CHECKING:
    from conftest import PgSchema

T0 = datetime(2026, 8, 14, 18, 0, tzinfo=UTC)
SENSORS = 40
WAIT_S = 30


def _batch(first_slot: int, slots: int) -> pd.DataFrame:
    """Every sensor's counts for ``slots`` five-minute intervals; the value depends only on the
    key, so two processes sending the same interval send exact duplicates."""
    rows = [
        (f"cam-{s:02d}", T0 + timedelta(minutes=5 * slot), 300, "count", float((s * 7 + slot * 3) % 50),
         "ok", T0 + timedelta(minutes=5 * slot + 6))
        for slot in range(first_slot, first_slot + slots)
        for s in range(SENSORS)
    ]
    frame = pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS))
    for column in ("start", "received_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _append_batches(url: str, batches: list[pd.DataFrame], results: Any) -> None:
    """Runs in a spawned process: append every batch, queueing each result."""
    store = PostgresStore(url)
    try:
        for batch in batches:
            result = store.append_observations(batch)
            results.put((result.inserted, result.duplicates, result.corrections))
    finally:
        store.close()


def _append_decisions(url: str, who: str, count: int, results: Any) -> None:
    """Runs in a spawned process: append ``count`` entries, sealing each on the head it reads
    and sealing again when the other process got there first."""
    store = PostgresStore(url)
    refused = 0
    try:
        for n in range(count):
            draft = DecisionDraft(at=T0 + timedelta(seconds=n), site_id="scheveningen", who=who, role="operator",
                                  action="acknowledged", reason=f"{who} {n}")
            while True:
                try:
                    store.append_decision(seal(draft, store.decision_head()))
                    break
                except StoreError as exc:
                    assert "does not extend the log" in str(exc), exc
                    refused += 1
        results.put((who, refused))
    finally:
        store.close()


def _register_flight(url: str, flight_id: str, results: Any) -> None:
    """Runs in a spawned process: register a flight over the beach 18:00-20:00, refused by any
    flight in its way; queues (flight id, refusals)."""
    area = {"type": "Polygon", "coordinates": [[[4.27, 52.11], [4.28, 52.11], [4.28, 52.12], [4.27, 52.12],
                                                [4.27, 52.11]]]}
    flight = Flight(id=flight_id, site_id="scheveningen", operator="Politie Den Haag", permit="NLD-UAS-0042",
                    aircraft="DJI Matrice 30T", purpose=FlightPurpose.CROWD_OVERVIEW, area=area,
                    window=TimeWindow(T0, T0 + timedelta(hours=2)), max_altitude_m=60.0, registered_at=T0)
    store = PostgresStore(url)
    try:
        results.put((flight_id, store.register_flight(flight, lambda others: [f"overlaps {f.id}" for f in others])))
    finally:
        store.close()


@contextmanager
def _lock_held(pg_schema: PgSchema, kind: int) -> Iterator[Callable[[int], None]]:
    """Hold the store's ``kind`` advisory lock (keyed as the store keys it) for the block;
    yields a function that waits until ``n`` other sessions queue for it."""
    with psycopg.connect(pg_schema.server, connect_timeout=2, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_schema.name)))
        row = conn.execute("SELECT hashtext(current_schema())").fetchone()
        assert row is not None
        key = int(row[0])
        conn.execute("SELECT pg_advisory_lock(%s, %s)", [kind, key])

        def wait_for_waiters(n: int) -> None:
            deadline = time.monotonic() + WAIT_S
            while time.monotonic() < deadline:
                waiting = conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    "AND classid = (%s::bigint & 4294967295)::oid AND objid = (%s::bigint & 4294967295)::oid",
                    [kind, key],
                ).fetchone()
                if waiting is not None and waiting[0] >= n:
                    return
                time.sleep(0.05)
            raise AssertionError(f"the workers did not queue for the store's lock within {WAIT_S} s")

        try:
            yield wait_for_waiters
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", [kind, key])


def _race(pg_schema: PgSchema, kind: int, target: Any, args: list[tuple[Any, ...]], expected: int) -> list[Any]:
    """Run ``target(*args[i], results)`` in spawned processes that start together once they all
    wait for the store's ``kind`` lock; their queued results."""
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=target, args=(*a, results)) for a in args]
    got: list[Any] = []
    try:
        with _lock_held(pg_schema, kind) as wait_for_waiters:
            for worker in workers:
                worker.start()
            wait_for_waiters(len(workers))
        for _ in range(expected):
            got.append(results.get(timeout=WAIT_S))
    except queue.Empty:
        pass
    finally:
        for worker in workers:
            if worker.pid is not None:
                worker.join(timeout=WAIT_S)
                if worker.is_alive():
                    worker.kill()
                    worker.join(timeout=5)
        results.close()
        results.join_thread()
    assert [w.exitcode for w in workers] == [0] * len(workers), "a worker failed (its traceback is above)"
    assert len(got) == expected
    return got


def test_two_processes_appending_overlapping_batches_store_each_row_once(pg_schema: PgSchema) -> None:
    PostgresStore(pg_schema.url).close()  # create the tables before the race
    shared = [_batch(slot, 6) for slot in range(0, 60, 6)]  # both send intervals 0-59, in step
    first, second = shared + [_batch(60, 15)], shared + [_batch(75, 15)]
    got = _race(pg_schema, LOCK_OBSERVATIONS, _append_batches, [(pg_schema.url, first), (pg_schema.url, second)],
                expected=len(first) + len(second))

    keys = SENSORS * 90
    sent = sum(len(b) for b in first + second)
    assert tuple(sum(r[i] for r in got) for i in range(3)) == (keys, sent - keys, 0)
    store = PostgresStore(pg_schema.url)
    try:
        every = store.observations(start=T0, end=T0 + timedelta(days=1), latest_only=False)
    finally:
        store.close()
    assert len(every) == keys
    assert set(Counter(zip(every["sensor_id"], every["start"], every["metric"])).values()) == {1}
    with psycopg.connect(pg_schema.server, connect_timeout=2) as conn:
        table = sql.Identifier(pg_schema.name, "observations")
        row = conn.execute(sql.SQL("SELECT count(DISTINCT seq) FROM {}").format(table)).fetchone()
    assert row == (keys,)


def test_two_processes_appending_decisions_keep_one_chain(pg_schema: PgSchema) -> None:
    PostgresStore(pg_schema.url).close()
    got = _race(pg_schema, LOCK_DECISIONS, _append_decisions,
                [(pg_schema.url, "a", 15), (pg_schema.url, "b", 15)], expected=2)
    store = PostgresStore(pg_schema.url)
    try:
        log = store.decisions()
    finally:
        store.close()
    assert [e.seq for e in log] == list(range(1, 31))
    assert Counter(e.who for e in log) == {"a": 15, "b": 15}
    assert verify_chain(log).intact
    assert sorted(who for who, _ in got) == ["a", "b"]


def test_two_processes_registering_overlapping_flights_at_once_store_one(pg_schema: PgSchema) -> None:
    PostgresStore(pg_schema.url).close()
    got = dict(_race(pg_schema, LOCK_FLIGHTS, _register_flight,
                     [(pg_schema.url, "FL-AAAAAA"), (pg_schema.url, "FL-BBBBBB")], expected=2))
    store = PostgresStore(pg_schema.url)
    try:
        stored = [f.id for f in store.flights()]
    finally:
        store.close()
    assert len(stored) == 1
    (loser,) = {"FL-AAAAAA", "FL-BBBBBB"} - set(stored)
    assert got == {stored[0]: [], loser: [f"overlaps {stored[0]}"]}
