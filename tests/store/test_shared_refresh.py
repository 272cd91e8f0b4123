"""Two service processes on one PostgreSQL store (as ``serve`` and ``serve --no-refresh``): late
data that the one without refresh stores for an interval the refreshing one already computed is
re-pictured on the refresher's next round, through the store's dirty-since mark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from crowdsafety.domain import StoreError
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.store.postgres_store import PostgresStore

if TYPE_CHECKING:
    from conftest import PgSchema

NOW = datetime(2026, 7, 5, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(hours=1)
LATE = T0 + timedelta(minutes=20)
STEP = timedelta(minutes=5)


def _counts(slots: range, value: float) -> list[dict[str, object]]:
    return [{"sensor_id": "cam-beach", "start": (T0 + i * STEP).isoformat(), "metric": "count", "value": value}
            for i in slots]


def test_late_data_stored_by_a_process_without_refresh_is_repictured(mini_site, pg_schema: PgSchema) -> None:
    refresher = Runtime(mini_site, PostgresStore(pg_schema.url), ReplayClock(NOW))
    worker = Runtime(mini_site, PostgresStore(pg_schema.url), ReplayClock(NOW))
    try:
        refresher.ingest(_counts(range(4), 1000) + _counts(range(5, 12), 1000))  # slot 4 comes late
        assert refresher.refresh() > 0
        assert refresher.refresh() == 0  # nothing new: nothing recomputed
        [before] = refresher.store.zone_states(start=LATE, end=LATE + STEP, zone_ids=["beach"])
        assert before.people is None or before.people < 1100

        report = worker.ingest(_counts(range(4, 5), 6000))
        assert report.inserted == 1
        assert refresher.refresh() > 0

        [after] = refresher.store.zone_states(start=LATE, end=LATE + STEP, zone_ids=["beach"])
        assert after.people > 5000
        later = refresher.store.zone_states(start=LATE + STEP, end=NOW, zone_ids=["beach"])
        assert later and all(s.people < 1100 for s in later)  # the intervals after it recomputed too
        assert refresher.refresh() == 0  # the mark was taken once
    finally:
        refresher.store.close()
        worker.store.close()


def test_a_refresh_that_fails_keeps_the_mark_for_the_next_round(mini_site, pg_schema: PgSchema, monkeypatch) -> None:
    refresher = Runtime(mini_site, PostgresStore(pg_schema.url), ReplayClock(NOW))
    worker = Runtime(mini_site, PostgresStore(pg_schema.url), ReplayClock(NOW))
    try:
        refresher.ingest(_counts(range(4), 1000) + _counts(range(5, 12), 1000))
        refresher.refresh()
        worker.ingest(_counts(range(4, 5), 6000))

        def fail(states: object) -> None:
            raise StoreError("the database went away")

        monkeypatch.setattr(refresher.store, "put_zone_states", fail)
        with pytest.raises(StoreError, match="went away"):
            refresher.refresh()
        monkeypatch.undo()
        assert refresher.store.take_dirty_since() is None  # taken from the store, kept in the process
        assert refresher.refresh() > 0
        [after] = refresher.store.zone_states(start=LATE, end=LATE + STEP, zone_ids=["beach"])
        assert after.people > 5000
    finally:
        refresher.store.close()
        worker.store.close()
