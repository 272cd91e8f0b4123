"""HTTP ingest throughput on loopback: POST /api/v1/observations in batches of 1,000.

Starts ``crowdsafety serve`` on a synthetic 1,000-zone site with a fresh DuckDB file (and an
operator key made with ``crowdsafety keys create``, so every request is authenticated, rate
limited and audited as in production), posts
pre-encoded batches from N client threads, and prints observations/s (target >= 20,000/s).
Also prints a baseline in the same run: the same rows posted one per request, so the ratio
shows what batching buys.

    .venv/bin/python benchmarks/ingest_http.py [--rows 200000] [--clients 2]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from rich.progress import track

sys.path.insert(0, str(Path(__file__).parent))
from synthetic_site import write_grid_site  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def batches(sensors: list[str], rows: int, size: int) -> list[bytes]:
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(days=30)
    out, batch = [], []
    for i in range(rows):
        t = start + timedelta(minutes=5 * (i // len(sensors)))
        batch.append({"sensor_id": sensors[i % len(sensors)], "start": t.isoformat(), "metric": "count",
                      "value": i % 500})
        if len(batch) == size:
            out.append(json.dumps(batch).encode())
            batch = []
    if batch:
        out.append(json.dumps(batch).encode())
    return out


def make_key(site: Path, store: str) -> str:
    out = subprocess.run([sys.executable, "-m", "crowdsafety.cli", "keys", "create", str(site), "--store", store,
                          "--role", "operator", "--name", "ingest benchmark"],
                         check=True, capture_output=True, text=True).stdout
    return next(line for line in out.splitlines() if line.startswith("csm_"))


def wait_ready(url: str, key: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/v1/site", headers={"Authorization": f"Bearer {key}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


def post_all(url: str, key: str, bodies: list[bytes], clients: int, label: str) -> float:
    headers = {"content-type": "application/json", "Authorization": f"Bearer {key}"}

    def send(chunk: list[bytes]) -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            for body in chunk:
                r = c.post("/api/v1/observations", content=body, headers=headers)
                r.raise_for_status()

    chunks = [bodies[i::clients] for i in range(clients)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(track(pool.map(send, chunks), total=clients, description=label))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--baseline-rows", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sensors = write_grid_site(Path(tmp) / "site", 1_000)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        store = f"duckdb:///{tmp}/bench.duckdb"
        key = make_key(Path(tmp) / "site", store)
        server = subprocess.Popen(
            [sys.executable, "-m", "crowdsafety.cli", "serve", str(Path(tmp) / "site"), "--port", str(port),
             "--store", store],
            env={**__import__("os").environ, "CROWDSAFETY_REFRESH_S": "3600"},
        )
        try:
            wait_ready(url, key)
            bodies = batches(sensors, args.rows, args.batch)
            elapsed = post_all(url, key, bodies, args.clients, f"{args.rows:,} rows in batches of {args.batch:,}")
            rate = args.rows / elapsed
            singles = batches(sensors[:1], args.baseline_rows, 1)
            base = args.baseline_rows / post_all(url, key, singles, args.clients, "baseline: one row per request")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"HTTP ingest, batches of {args.batch:,}, {args.clients} clients: {rate:,.0f} observations/s "
          f"(target >= 20,000/s) {'PASS' if rate >= 20_000 else 'FAIL'}")
    print(f"baseline, one row per request:            {base:,.0f} observations/s (ratio {rate / base:.0f}x)")


if __name__ == "__main__":
    main()
