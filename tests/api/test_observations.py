"""POST /api/v1/observations: partial acceptance, duplicates, corrections, hostile bodies."""

import json

import pytest

ROW = {"sensor_id": "cam-beach", "start": "2026-07-05T11:50:00Z", "metric": "count", "value": 40}


def _post(client, rows, **kw):
    return client.post("/api/v1/observations", json=rows, **kw)


def test_valid_rows_stored_and_rejected_rows_named(client, runtime):
    r = _post(client, [ROW, {**ROW, "value": -3}, {**ROW, "sensor_id": "nope"}])
    assert r.status_code == 200
    body = r.json()
    assert body["inserted"] == 1 and body["accepted"] == 1 and body["received"] == 3
    assert [(x["index"], x["field"]) for x in body["rejected"]] == [(1, "value"), (2, "sensor_id")]
    assert "negative" in body["rejected"][0]["reason"]
    stored = runtime.store.observations(start=runtime.clock.now().replace(hour=0), end=runtime.clock.now())
    assert list(stored.value) == [40.0]


def test_only_invalid_rows_gives_422_with_reasons(client):
    r = _post(client, [{**ROW, "value": True}])
    assert r.status_code == 422
    assert r.json()["rejected"][0]["reason"].startswith("must be a number")


def test_duplicates_ignored_and_corrections_kept(client, runtime):
    assert _post(client, [ROW]).json()["inserted"] == 1
    again = _post(client, [ROW]).json()
    assert again["inserted"] == 0 and again["duplicates"] == 1
    fixed = _post(client, [{**ROW, "value": 44}]).json()
    assert fixed["corrections"] == 1
    start, end = runtime.clock.now().replace(hour=0), runtime.clock.now()
    assert list(runtime.store.observations(start=start, end=end).value) == [44.0]
    assert sorted(runtime.store.observations(start=start, end=end, latest_only=False).value) == [40.0, 44.0]


@pytest.mark.parametrize(
    "body, headers, status, words",
    [
        (b"not json", {"content-type": "application/json"}, 400, "not valid JSON"),
        (json.dumps(ROW).encode(), {"content-type": "application/json"}, 400, "must be a JSON array"),
        (b"[" * 100_000 + b"]" * 100_000, {"content-type": "application/json"}, 400, "nested"),
        (json.dumps([ROW]).encode(), {"content-type": "text/plain"}, 415, "application/json"),
        (b"[" + b"1," * 5_000_000 + b"1]", {"content-type": "application/json"}, 413, "larger than"),
        (json.dumps([ROW] * 10_001).encode(), {"content-type": "application/json"}, 413, "at most 10000"),
        (b'[{"sensor_id": "cam-beach", "start": "2026-07-05T11:50:00Z", "metric": "count", "value": NaN}]',
         {"content-type": "application/json"}, 400, "NaN"),
    ],
)
def test_hostile_bodies_get_clear_errors_and_store_nothing(client, runtime, body, headers, status, words):
    r = client.post("/api/v1/observations", content=body, headers=headers)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
    assert runtime.store.observation_span() is None
    assert client.get("/api/v1/site").status_code == 200  # still serving


def test_empty_array_is_fine(client):
    r = _post(client, [])
    assert r.status_code == 200 and r.json()["received"] == 0
