"""Runtime: the stored picture follows late and corrected observations."""

from datetime import UTC, datetime, timedelta

from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.store import open_store

NOW = datetime(2026, 7, 5, 12, 0, tzinfo=UTC)


def _rows(start, n, value_of):
    return [{"sensor_id": "cam-beach", "start": (start + timedelta(minutes=5 * i)).isoformat(),
             "metric": "count", "value": value_of(i)} for i in range(n)]


def test_correction_and_late_data_recompute_the_stored_picture(mini_site):
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    t0 = NOW - timedelta(hours=1)
    rt.ingest(_rows(t0, 12, lambda i: 1000 + 10 * i))
    assert rt.refresh() > 0
    target = t0 + timedelta(minutes=20)
    [before] = rt.store.zone_states(start=target, end=target + timedelta(minutes=5), zone_ids=["beach"])
    assert 1000 < before.people < 1100

    report = rt.ingest([{"sensor_id": "cam-beach", "start": target.isoformat(), "metric": "count", "value": 5000}])
    assert report.corrections == 1
    rt.refresh()
    [after] = rt.store.zone_states(start=target, end=target + timedelta(minutes=5), zone_ids=["beach"])
    assert after.people > 4000  # the correction replaced the value in the picture
    later = rt.store.zone_states(start=target + timedelta(minutes=5), end=NOW, zone_ids=["beach"])
    assert all(s.people < 1200 for s in later)  # and the intervals after it were recomputed too

    raw = rt.store.observations(start=target, end=target + timedelta(minutes=5), latest_only=False)
    assert sorted(raw.value) == [1040.0, 5000.0]  # nothing overwritten


def test_refresh_without_data_and_idempotent(mini_site):
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    assert rt.refresh() == 0
    rt.ingest(_rows(NOW - timedelta(minutes=30), 6, lambda i: 500))
    assert rt.refresh() > 0
    assert rt.refresh() == 0  # nothing new, nothing recomputed
