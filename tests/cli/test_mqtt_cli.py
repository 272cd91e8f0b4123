"""`crowdsafety ingest-mqtt` as a process against a Mosquitto of the test's own."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from crowdsafety.store import open_store

from ..ingest.mosquitto import Mosquitto, Publisher

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"


def test_ingest_mqtt_stores_until_stopped(tmp_path: Path):
    store_url = f"duckdb:///{tmp_path / 's.duckdb'}"
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    with Mosquitto(tmp_path / "broker") as broker:
        log = tmp_path / "stderr.txt"
        with log.open("w") as err_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "crowdsafety.cli", "ingest-mqtt", str(MINI), "--store", store_url,
                 "--broker", broker.url, "--client-id", "cli-test"],
                env=os.environ, stdout=subprocess.DEVNULL, stderr=err_file,
            )
        publisher = Publisher(broker.port)
        try:
            publisher.wait_connected()
            # before its first subscription the broker holds no session for the consumer: wait for it
            deadline = time.monotonic() + 30
            while "subscribed to crowdsafety/mini/sensors/+" not in log.read_text():
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "ingest-mqtt did not subscribe within 30 s"
                time.sleep(0.1)
            rows = [{"start": (now - timedelta(minutes=5 * i)).isoformat(), "metric": "count", "value": 10 * i}
                    for i in range(1, 7)]
            assert publisher.send("crowdsafety/mini/sensors/cam-beach", rows)
            assert publisher.send("crowdsafety/mini/sensors/cam-beach", b"not json")
            time.sleep(1.0)  # the batch is written within 0.1 s; a second is plenty on a busy machine
        finally:
            publisher.close()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
            err = log.read_text()
    assert proc.returncode == 0, err
    assert "6 rows stored" in err and "1 dead letters" in err, err
    store = open_store(store_url)
    try:
        frame = store.observations(start=now - timedelta(hours=1), end=now + timedelta(hours=1))
        assert sorted(frame["value"].tolist()) == [10, 20, 30, 40, 50, 60]
        [letter] = store.dead_letters()
        assert letter.payload == "not json" and "not valid JSON" in letter.reason
    finally:
        store.close()


def test_ingest_mqtt_refuses_a_wrong_broker_url(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "crowdsafety.cli", "ingest-mqtt", str(MINI), "--store", "duckdb://:memory:",
         "--broker", "mqtt://127.0.0.1:notaport"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "300"},
    )
    assert result.returncode == 2
    assert "Invalid value for --broker: broker URL 'mqtt://127.0.0.1:notaport': the port must be a number" in \
        result.stderr, result.stderr
