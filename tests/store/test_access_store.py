"""API keys and retention on every store backend."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd

from crowdsafety.domain import OBSERVATION_COLUMNS
from crowdsafety.domain.access import ApiKey, Role

T0 = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)


def _key(key_id: str, role: Role = Role.OPERATOR, **kw) -> ApiKey:
    return ApiKey(id=key_id, name=f"key {key_id}", role=role, secret_hash="h" + key_id, created_at=T0, **kw)


def test_keys_put_get_list_and_revoke(store):
    assert store.api_keys() == [] and store.api_key("nope") is None
    sensor = _key("b", Role.SENSOR, sensor_ids=("cam-1", "cam-2"))
    store.put_api_key(sensor)
    store.put_api_key(replace(_key("a", Role.PARTNER, party="htm"), created_at=T0 - timedelta(days=1)))
    assert [k.id for k in store.api_keys()] == ["a", "b"]
    assert store.api_key("b") == sensor
    assert store.api_key("a").party == "htm"
    revoked = replace(sensor, revoked_at=T0 + timedelta(hours=1))
    store.put_api_key(revoked)
    assert store.api_key("b") == revoked and not store.api_key("b").active
    assert len(store.api_keys()) == 2


def _frame(starts: list[datetime]) -> pd.DataFrame:
    n = len(starts)
    return pd.DataFrame({
        "sensor_id": ["cam-1"] * n, "start": pd.to_datetime(starts, utc=True), "interval_s": [300] * n,
        "metric": ["count"] * n, "value": [float(i) for i in range(n)], "quality": ["ok"] * n,
        "received_at": pd.to_datetime([T0] * n, utc=True),
    })[list(OBSERVATION_COLUMNS)]


def test_retention_deletes_only_older_raw_rows(store):
    starts = [T0 - timedelta(days=d) for d in (40, 31, 30, 1)]
    store.append_observations(_frame(starts))
    cutoff = T0 - timedelta(days=30)
    assert store.delete_observations_before(cutoff) == 2
    left = store.observations(start=T0 - timedelta(days=400), end=T0 + timedelta(days=1))
    assert sorted(left["start"]) == sorted(pd.to_datetime(starts[2:], utc=True))
    assert store.delete_observations_before(cutoff) == 0
