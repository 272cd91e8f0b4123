"""No loss: kill -9 the service during sustained ingest over HTTP and MQTT, restart it on the same
store; every observation that was acknowledged (HTTP 2xx, MQTT PUBACK) is stored, none twice.

``crowdsafety serve --mqtt`` runs as a process on a DuckDB file, consuming from a Mosquitto of
the test's own. HTTP posts cam-beach rows, MQTT carries wifi-beach rows; every row has its own
key (a start one second after the last), so a row stored twice would show as two versions.
After the load stops, the MQTT publisher sends sentinel rows (garage) and the test re-posts them
over HTTP one at a time: the first that comes back as a duplicate was stored by the consumer, and
as the broker delivers in order and the consumer writes its batches in order, so was everything
published before it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from crowdsafety.domain.access import Role
from crowdsafety.service import Runtime
from crowdsafety.service.keys import create_key
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

from ..ingest.mosquitto import Mosquitto, Publisher, free_port

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
#: Rows start here, one second apart: old enough that the picture does not recompute for them.
T0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=3)
HTTP_BATCH = 200  # rows a request
MQTT_ROWS = 20  # rows a message
MQTT_PAUSE_S = 0.01  # between messages: about 2,000 rows/s, so the drain at the end takes seconds
SENTINELS = 100


def test_kill_9_during_ingest_loses_no_acknowledged_observation(tmp_path: Path):
    store_url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    key = _operator_key(store_url)
    with Mosquitto(tmp_path / "broker") as broker:
        service = _Service(store_url, broker.url, tmp_path, key)
        http = _HttpLoad(service.base, key)
        mqtt = _MqttLoad(broker.port)
        try:
            service.start()
            http.start()
            mqtt.start()
            _wait(lambda: http.acked_batches >= 3 and mqtt.acked_messages >= 20, 15, "ingest under way")
            service.kill9()
            mqtt_before = mqtt.acked_messages
            time.sleep(1.0)  # the broker still acknowledges MQTT; HTTP fails
            acked_while_down = mqtt.acked_messages - mqtt_before
            service.start()
            http_after = http.acked_batches
            _wait(lambda: http.acked_batches >= http_after + 3, 10, "HTTP ingest after the restart")
            http.stop()
            mqtt.stop()
            sentinels = mqtt.send_sentinels(SENTINELS)
            _wait(lambda: service.stored_by_mqtt(sentinels), 20, "the consumer to drain the broker", every_s=0.25)
        finally:
            http.stop()
            mqtt.stop()
            mqtt.close()
            service.terminate()
    assert acked_while_down > 0, "no MQTT message was acknowledged while the service was down"

    store = open_store(store_url)
    try:
        every = store.observations(start=T0 - timedelta(hours=1), end=datetime.now(timezone.utc),
                                   latest_only=False)
    finally:
        store.close()
    keys = ["sensor_id", "start", "interval_s", "metric"]
    twice = every[every.duplicated(keys, keep=False)]
    assert twice.empty, f"stored twice:\n{twice}"
    t0 = int(T0.timestamp())
    stored = {(s, int(t.timestamp()) - t0) for s, t in zip(every["sensor_id"], every["start"])}
    lost_http = sorted(k for k in http.acked if ("cam-beach", k) not in stored)
    lost_mqtt = sorted(k for k in mqtt.acked if ("wifi-beach", k) not in stored)
    assert not lost_http, f"{len(lost_http)} rows answered 2xx over HTTP are not stored, e.g. {lost_http[:5]}"
    assert not lost_mqtt, f"{len(lost_mqtt)} rows acknowledged over MQTT are not stored, e.g. {lost_mqtt[:5]}"
    assert len(http.acked) >= 6 * HTTP_BATCH and len(mqtt.acked) >= 20 * MQTT_ROWS


def _operator_key(store_url: str) -> str:
    runtime = Runtime(load_site(MINI), open_store(store_url))
    try:
        _, text = create_key(runtime, name="no-loss test", role=Role.OPERATOR, actor="test", actor_role="admin")
    finally:
        runtime.store.close()
    return text


def _row(sensor: str, metric: str, second: int) -> dict:
    return {"sensor_id": sensor, "start": (T0 + timedelta(seconds=second)).isoformat(), "metric": metric,
            "value": second % 1000}


def _wait(condition, timeout_s: float, what: str, every_s: float = 0.1) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout_s} s waiting for {what}"
        time.sleep(every_s)


class _Service:
    """``crowdsafety serve --mqtt`` as a process; ``start()`` returns once it answers HTTP and
    its consumer has subscribed."""

    def __init__(self, store_url: str, broker_url: str, folder: Path, key: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._args = [sys.executable, "-m", "crowdsafety.cli", "serve", str(MINI), "--port", str(self.port),
                      "--store", store_url, "--mqtt", broker_url]
        self._folder, self._headers = folder, {"Authorization": f"Bearer {key}"}
        self._proc: subprocess.Popen[bytes] | None = None
        self._starts = 0

    def start(self) -> None:
        self._starts += 1
        log = self._folder / f"serve-{self._starts}.log"
        with log.open("wb") as err:
            self._proc = subprocess.Popen(self._args, stdout=subprocess.DEVNULL, stderr=err,
                                          env={**os.environ, "CROWDSAFETY_REFRESH_S": "5"})
        deadline = time.monotonic() + 30
        # the first start must subscribe; later ones resume the broker's session and its subscription
        ready = "subscribed to" if self._starts == 1 else "connected to"
        while not (ready in log.read_text() and self._answers()):
            assert self._proc.poll() is None, f"serve exited: {log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"serve did not start within 30 s: {log.read_text()[-3000:]}"
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            return httpx.get(self.base + "/api/v1/site", headers=self._headers, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stored_by_mqtt(self, sentinels: list[dict]) -> bool:
        """Re-post the next sentinel over HTTP: True when it was already stored (a duplicate)."""
        row = sentinels.pop(0)
        answer = httpx.post(self.base + "/api/v1/observations", json=[row], headers=self._headers, timeout=5).json()
        return answer["duplicates"] == 1

    def kill9(self) -> None:
        assert self._proc is not None
        self._proc.kill()
        self._proc.wait(10)

    def terminate(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)


class _HttpLoad:
    """Posts batches of cam-beach rows until stopped; ``acked``: seconds of rows answered 2xx."""

    def __init__(self, base: str, key: str):
        self._client = httpx.Client(base_url=base, timeout=5, headers={"Authorization": f"Bearer {key}"})
        self.acked: list[int] = []
        self.acked_batches = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        second = 0
        while not self._stop.is_set():
            seconds = list(range(second, second + HTTP_BATCH))
            second += HTTP_BATCH
            try:
                response = self._client.post("/api/v1/observations",
                                             json=[_row("cam-beach", "count", s) for s in seconds])
            except httpx.HTTPError:
                time.sleep(0.05)  # the service is down: these rows were not acknowledged
                continue
            if response.is_success:
                self.acked += seconds
                self.acked_batches += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        self._client.close()


class _MqttLoad:
    """Publishes messages of wifi-beach rows (QoS 1) until stopped; ``acked``: seconds of rows
    in messages the broker acknowledged."""

    def __init__(self, port: int):
        self._publisher = Publisher(port)
        self.acked: list[int] = []
        self.acked_messages = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._publisher.wait_connected()
        self._thread.start()

    def _run(self) -> None:
        second = 0
        while not self._stop.is_set():
            seconds = list(range(second, second + MQTT_ROWS))
            second += MQTT_ROWS
            rows = [{k: v for k, v in _row("wifi-beach", "devices", s).items() if k != "sensor_id"} for s in seconds]
            if self._publisher.send("crowdsafety/mini/sensors/wifi-beach", rows, timeout_s=5):
                self.acked += seconds
                self.acked_messages += 1
            time.sleep(MQTT_PAUSE_S)

    def send_sentinels(self, n: int) -> list[dict]:
        rows = [_row("garage", "occupied", s) for s in range(n)]
        for row in rows:
            assert self._publisher.send("crowdsafety/mini/sensors/garage", row)
        return rows

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def close(self) -> None:
        self._publisher.close()
