"""Fuzz ``POST /api/v1/observations`` through the app (one client, the mini site, an in-memory store).

Malformed rows go several to a request, each wrong in a known field: every one must come back
rejected with its own index, a reason and that field, and the batch answered 422 (no valid row).
Malformed bodies go one to a request: not JSON, cut off, ``NaN``, nested too deep, too many rows,
not an array, the wrong content type. Never a 500; the store (observations and the decision log,
which audits stored batches) is the same afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from crowdsafety.api import create_app
from crowdsafety.api.ratelimit import RowLimiter
from crowdsafety.domain.access import Role
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.keys import create_key
from crowdsafety.store import Store, open_store

from .malformed import INPUTS, NOW, broken_rows, dump, fuzz_settings, json_values, scalars, valid_rows

URL = "/api/v1/observations"
JSON = {"content-type": "application/json"}
#: Requests of 20-40 broken rows each: enough for INPUTS rows.
ROW_REQUESTS = 380
BODY_REQUESTS = 1000


def snapshot(store: Store) -> tuple[object, ...]:
    """Everything an ingest could change: stored observation versions, the log's head."""
    every = store.observations(start=datetime(1970, 1, 1, tzinfo=timezone.utc),
                               end=datetime(2200, 1, 1, tzinfo=timezone.utc), latest_only=False)
    return len(every), store.observation_span(), store.decision_head()


@pytest.fixture(scope="module")
def served(mini_site) -> Iterator[tuple[Runtime, TestClient]]:
    """The app with some valid observations stored; a client with an operator key and no rate
    limit in the way (the limiter has its own tests)."""
    runtime = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    key = create_key(runtime, name="fuzz", role=Role.OPERATOR, actor="tests", actor_role="admin")[1]
    app = create_app(runtime, row_limiter=RowLimiter(rows_per_s=1e12, burst=1e12))
    with TestClient(app, headers={"Authorization": f"Bearer {key}"}, raise_server_exceptions=False) as client:
        stored = client.post(URL, json=[
            {"sensor_id": "cam-beach", "start": "2026-07-05T11:00:00Z", "metric": "count", "value": 40},
            {"sensor_id": "garage", "start": "2026-07-05T11:00:00Z", "metric": "occupied", "value": 120}])
        assert stored.status_code == 200 and stored.json()["inserted"] == 2, stored.text
        yield runtime, client
    runtime.store.close()


def test_each_malformed_row_is_rejected_with_its_index_and_field(served):
    runtime, client = served
    before = snapshot(runtime.store)
    fed = 0

    @fuzz_settings(ROW_REQUESTS)
    @given(st.lists(broken_rows(), min_size=20, max_size=40))
    def post(batch: list[tuple[object, set[str | None]]]) -> None:
        nonlocal fed
        rows = [row for row, _ in batch]
        r = client.post(URL, content=dump(rows), headers=JSON)
        assert r.status_code == 422, (r.status_code, r.text[:500])
        rejected = r.json()["rejected"]
        assert [x["index"] for x in rejected] == list(range(len(rows))), r.text[:500]
        for answer, (row, fields) in zip(rejected, batch):
            assert answer["reason"].strip(), answer
            assert answer["field"] in fields, (row, answer)
        fed += len(rows)

    post()
    print(f"\nHTTP ingest: {fed} malformed rows in {ROW_REQUESTS} requests, each rejected with index and field")
    assert snapshot(runtime.store) == before
    assert fed >= INPUTS


def _not_a_json_array(body: bytes) -> bool:
    try:
        return not isinstance(json.loads(body), list)
    except (ValueError, RecursionError):
        return True


def _row_text(row: dict) -> bytes:
    return dump([row])


#: (strategy of bodies, content type, statuses that may answer them)
BODIES = [
    (st.binary(max_size=200).filter(_not_a_json_array), "application/json", {400}),
    (json_values.filter(lambda v: not isinstance(v, list)).map(dump), "application/json", {400}),
    (st.tuples(valid_rows, st.sampled_from(["NaN", "Infinity", "-Infinity"])).map(
        lambda t: _row_text(t[0]).replace(b'"value": ' + str(t[0]["value"]).encode(), b'"value": ' + t[1].encode())),
     "application/json", {400}),
    (st.tuples(st.lists(valid_rows, min_size=1, max_size=3).map(dump), st.floats(0, 0.999)).map(
        lambda t: t[0][: int(len(t[0]) * t[1])]), "application/json", {400}),
    (st.integers(2, 200_000).map(lambda n: b"[" * n + b"]" * n), "application/json", {400, 422}),
    (st.lists(scalars.filter(lambda v: not isinstance(v, dict)), min_size=1, max_size=5).map(dump),
     "application/json", {422}),
    (valid_rows.map(lambda r: _row_text(r).replace(b'"cam-beach"', b'"\xff\xfe"').replace(b'{', b'{"x": "\xc3",', 1)),
     "application/json", {400}),
    (st.lists(valid_rows, min_size=1, max_size=2).map(dump),
     st.sampled_from(["", "text/plain", "application/xml", "multipart/form-data", "application/jsonx",
                      "application/x-www-form-urlencoded", "json", "application/json-seq"]), {415}),
    (st.integers(10_001, 10_200).map(lambda n: b"[" + b"0," * (n - 1) + b"0]"), "application/json", {413}),
]


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str, set[int]]:
    strategy, ctype, statuses = draw(st.sampled_from(BODIES))
    return draw(strategy), ctype if isinstance(ctype, str) else draw(ctype), statuses


def test_malformed_bodies_get_a_clear_4xx_and_store_nothing(served):
    runtime, client = served
    before = snapshot(runtime.store)
    fed = 0

    @fuzz_settings(BODY_REQUESTS)
    @given(bodies())
    def post(body: tuple[bytes, str, set[int]]) -> None:
        nonlocal fed
        content, ctype, statuses = body
        r = client.post(URL, content=content, headers={"content-type": ctype} if ctype else {})
        assert r.status_code in statuses, (r.status_code, content[:200], ctype, r.text[:300])
        answer = r.json()
        assert answer["detail"].strip(), answer
        if r.status_code == 422:
            assert [x["index"] for x in answer["rejected"]] == list(range(len(json.loads(content))))
        fed += 1

    post()
    big = client.post(URL, content=b"[" + b" " * (8 * 1024 * 1024) + b"]", headers=JSON)
    assert big.status_code == 413 and "larger than" in big.json()["detail"]
    print(f"\nHTTP ingest: {fed + 1} malformed bodies, one a request, each answered 400/413/415/422")
    assert snapshot(runtime.store) == before
    assert fed >= BODY_REQUESTS * 0.9
