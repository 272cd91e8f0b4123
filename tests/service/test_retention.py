"""Retention: old raw observations deleted, aggregates kept, each run in the decision log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crowdsafety.decide import verify_chain
from crowdsafety.domain import CrowdSafetyError, DataStatus, Level, ZoneState
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.retention import RETENTION_ACTION, DailyRetention, apply_retention
from crowdsafety.store import open_store

NOW = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def runtime(mini_site):
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    yield rt
    rt.store.close()


def fill(runtime: Runtime, days: int = 10) -> None:
    """One camera count and one zone state at noon of each of the last ``days`` days."""
    rows = [{"sensor_id": "cam-beach", "start": (NOW - n * DAY).isoformat(), "interval_s": 300, "metric": "count",
             "value": 100 + n} for n in range(days)]
    report = runtime.ingest(rows)
    assert report.inserted == days, report
    runtime.store.put_zone_states([ZoneState("beach", NOW - n * DAY, 300, 100.0 + n, 0.01, Level.GREEN, None,
                                             DataStatus.OK) for n in range(days)])


def test_deletes_only_raw_observations_older_than_the_days_and_logs_it(runtime):
    fill(runtime)
    result = apply_retention(runtime, 7)
    assert result.cutoff == NOW - 7 * DAY
    assert result.deleted == 2  # the rows of 8 and 9 days ago; 7 days ago is the cutoff itself
    kept = runtime.store.observations(start=NOW - 30 * DAY, end=NOW + DAY)
    assert sorted(kept["value"].tolist()) == [100 + n for n in range(8)]
    assert len(runtime.store.zone_states(start=NOW - 30 * DAY, end=NOW + DAY)) == 10  # aggregates kept
    [entry] = runtime.store.decisions()
    assert entry == result.entry
    assert (entry.who, entry.role, entry.action) == ("system", "data retention", RETENTION_ACTION)
    assert entry.details == {"days": 7, "cutoff": (NOW - 7 * DAY).isoformat(), "deleted": 2}
    assert "2 raw observations" in entry.reason and "kept" in entry.reason
    assert verify_chain(runtime.store.decisions()).intact


def test_a_second_run_deletes_nothing_and_says_so(runtime):
    fill(runtime)
    apply_retention(runtime, 5, actor="cli:tester", role="admin")
    again = apply_retention(runtime, 5, actor="cli:tester", role="admin")
    assert again.deleted == 0 and again.entry.details["deleted"] == 0
    assert [e.who for e in runtime.store.decisions()] == ["cli:tester", "cli:tester"]
    assert verify_chain(runtime.store.decisions()).intact


@pytest.mark.parametrize("days, words", [(1, "at least 2"), (0, "at least 2"), (-3, "at least 2"),
                                         (2.5, "whole number"), (True, "whole number"), ("7", "whole number")])
def test_bad_days_are_refused_and_nothing_is_deleted(runtime, days, words):
    fill(runtime)
    with pytest.raises(CrowdSafetyError, match=words):
        apply_retention(runtime, days)
    assert len(runtime.store.observations(start=NOW - 30 * DAY, end=NOW + DAY)) == 10
    assert runtime.store.decisions() == []


def test_a_time_without_zone_is_refused(runtime):
    with pytest.raises(CrowdSafetyError, match="time zone"):
        apply_retention(runtime, 7, now=datetime(2026, 8, 20, 12))


def test_daily_retention_runs_once_a_day(runtime):
    fill(runtime)
    daily = DailyRetention(runtime, 7)
    first = daily.run_if_due()
    assert first is not None and first.deleted == 2
    runtime.clock.advance(23 * 3600)  # type: ignore[attr-defined]
    assert daily.run_if_due() is None
    runtime.clock.advance(3600)  # type: ignore[attr-defined]
    second = daily.run_if_due()
    assert second is not None and second.deleted == 1 and second.cutoff == NOW + DAY - 7 * DAY
    assert [e.action for e in runtime.store.decisions()] == [RETENTION_ACTION] * 2


def test_daily_retention_without_days_keeps_everything(runtime):
    fill(runtime)
    assert DailyRetention(runtime, None).run_if_due() is None
    assert len(runtime.store.observations(start=NOW - 30 * DAY, end=NOW + DAY)) == 10
    with pytest.raises(CrowdSafetyError, match="at least 2"):
        DailyRetention(runtime, 1)


def test_daily_retention_retries_an_hour_after_a_failure(runtime, monkeypatch):
    fill(runtime)
    daily = DailyRetention(runtime, 7)

    def broken(before: datetime) -> int:
        raise CrowdSafetyError("store is gone")

    monkeypatch.setattr(runtime.store, "delete_observations_before", broken)
    with pytest.raises(CrowdSafetyError, match="store is gone"):
        daily.run_if_due()
    monkeypatch.undo()
    assert daily.run_if_due() is None  # not straight away again
    runtime.clock.advance(3600)  # type: ignore[attr-defined]
    result = daily.run_if_due()
    assert result is not None and result.deleted == 3  # an hour on, noon 7 days ago is past the cutoff too
