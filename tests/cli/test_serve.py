"""`crowdsafety serve` end to end: a real uvicorn on loopback, ingest over HTTP, picture refreshed."""

import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _operator_key(store: str) -> str:
    out = subprocess.run([sys.executable, "-m", "crowdsafety.cli", "keys", "create", str(MINI), "--store", store,
                          "--role", "operator", "--name", "test"], check=True, capture_output=True, text=True).stdout
    return next(line for line in out.splitlines() if line.startswith("csm_"))


def test_serve_ingests_and_refreshes(tmp_path: Path):
    port = _free_port()
    env = {**os.environ, "CROWDSAFETY_REFRESH_S": "0.5"}
    store = f"duckdb:///{tmp_path / 's.duckdb'}"
    auth = {"Authorization": f"Bearer {_operator_key(store)}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crowdsafety.cli", "serve", str(MINI), "--port", str(port), "--store", store],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/api/v1/site", headers=auth, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        rows = [{"sensor_id": "cam-beach", "start": (now - timedelta(minutes=5 * (i + 2))).isoformat(),
                 "metric": "count", "value": 2000 + i} for i in range(6)]
        r = httpx.post(base + "/api/v1/observations", json=rows, headers=auth, timeout=10)
        assert r.status_code == 200 and r.json()["inserted"] == 6
        deadline = time.monotonic() + 20
        while True:
            beach = next(f for f in httpx.get(base + "/api/v1/zones", headers=auth, timeout=5).json()["features"]
                         if f["id"] == "beach")
            if beach["properties"]["state"] is not None:
                break
            assert time.monotonic() < deadline, "picture was not refreshed"
            time.sleep(0.3)
        assert 1900 < beach["properties"]["state"]["people"] < 2100
        assert httpx.post(base + "/api/v1/observations", content=b"{", headers={**auth, "content-type": "application/json"},
                          timeout=5).status_code == 400
        assert httpx.get(base + "/api/v1/site", headers=auth, timeout=5).status_code == 200
        assert httpx.get(base + "/api/v1/site", timeout=5).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=20)
