"""GET /api/v1/zones/{id}/forecast through FastAPI's TestClient on the mini site."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from crowdsafety.api import create_app
from crowdsafety.domain.access import Role
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.forecasting import Forecaster
from crowdsafety.service.keys import create_key
from crowdsafety.store import open_store


@pytest.fixture
def client(mini_site, hourly_states, settings, now):
    runtime = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(now))
    runtime.store.put_zone_states(hourly_states(mini_site, 30))
    Forecaster(runtime, settings).refresh()
    key = create_key(runtime, name="test partner", role=Role.PARTNER, actor="tests", actor_role="admin")[1]
    with TestClient(create_app(runtime), headers={"Authorization": f"Bearer {key}"}) as c:
        yield c
    runtime.store.close()


def test_forecast_of_the_next_day(client: TestClient) -> None:
    response = client.get("/api/v1/zones/square/forecast")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 24
    first = rows[0]
    assert first["zone_id"] == "square" and first["quantity"] == "people"
    assert first["p10"] <= first["p50"] <= first["p90"]
    assert sum(first["probabilities"].values()) == pytest.approx(1.0)
    assert first["level"] in ("green", "yellow", "orange", "red")
    assert first["issued_at"].startswith("2026-07-05T12:20")


def test_forecast_window_and_errors(client: TestClient, now) -> None:
    start = (now + timedelta(days=2)).isoformat().replace("+00:00", "Z")  # 12:20: from the hour 12:00
    end = (now + timedelta(days=2, hours=6)).replace(minute=0).isoformat()
    assert len(client.get("/api/v1/zones/beach/forecast", params={"start": start, "end": end}).json()) == 6
    assert client.get("/api/v1/zones/nowhere/forecast").status_code == 404
    assert client.get("/api/v1/zones/beach/forecast", params={"start": "2026-07-05T12:00:00"}).status_code == 422
    assert client.get("/api/v1/zones/beach/forecast", params={"start": end, "end": start}).status_code == 422
    far = (now + timedelta(days=20)).isoformat()
    assert client.get("/api/v1/zones/beach/forecast", params={"end": far}).status_code == 422


def test_zones_at_a_future_time_carry_the_forecast(client: TestClient, now) -> None:
    later = (now + timedelta(hours=5)).isoformat()
    features = client.get("/api/v1/zones", params={"at": later}).json()["features"]
    for feature in features:
        forecast = feature["properties"]["forecast"]
        assert forecast["zone_id"] == feature["id"]
        assert forecast["p10"] <= forecast["p50"] <= forecast["p90"]
    now_features = client.get("/api/v1/zones").json()["features"]
    assert all("forecast" not in f["properties"] for f in now_features)
