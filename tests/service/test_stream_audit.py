"""A stream's audit: one entry per period with the totals, none for nothing stored, one at stop."""

from datetime import datetime, timezone

from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.stream_audit import AuditedIngest
from crowdsafety.store import open_store

NOW = datetime(2026, 7, 5, 12, 0, tzinfo=timezone.utc)


def _row(minute: int, value: int) -> dict:
    return {"sensor_id": "cam-beach", "start": f"2026-07-05T11:{minute:02d}:00Z", "metric": "count", "value": value}


def test_one_entry_per_period_with_totals(mini_site):
    runtime = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    clock = [0.0]
    ingest = AuditedIngest(runtime, "mqtt test-consumer", every_s=60, monotonic=lambda: clock[0])
    ingest([_row(0, 10), _row(5, 11)])
    ingest([_row(5, 11), {"sensor_id": "ghost"}])  # a duplicate and a rejected row
    assert runtime.store.decisions() == []
    clock[0] = 61
    ingest([_row(10, 12)])
    [entry] = runtime.store.decisions()
    assert entry.who == "mqtt test-consumer" and entry.action == "observations.ingested"
    assert entry.details == {"batches": 3, "received": 5, "inserted": 3, "duplicates": 1, "corrections": 0,
                             "rejected": 1}
    ingest([_row(10, 12)])  # only a duplicate: nothing stored, nothing to audit
    ingest.flush()
    ingest([_row(15, 13)])
    ingest.flush()
    assert [e.details["inserted"] for e in runtime.store.decisions()] == [3, 1]
    runtime.store.close()
