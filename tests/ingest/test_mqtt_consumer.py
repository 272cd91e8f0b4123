"""The MQTT consumer against a real Mosquitto that each test starts on its own port."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crowdsafety.domain import StoreError
from crowdsafety.ingest.mqtt_consumer import MqttConsumer, MqttIngestConfig
from crowdsafety.service import Runtime
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

from .mosquitto import Mosquitto, Publisher

MINI = Path(__file__).parents[1] / "sites" / "fixtures" / "mini"
TOPIC = "crowdsafety/mini/sensors/{}"
NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)


@pytest.fixture
def broker(tmp_path):
    with Mosquitto(tmp_path) as b:
        yield b


@pytest.fixture
def runtime():
    rt = Runtime(load_site(MINI), open_store("duckdb://:memory:"))
    yield rt
    rt.store.close()


def consumer_for(runtime, broker, ingest=None, **options) -> MqttConsumer:
    config = MqttIngestConfig.for_site("mini", broker.url, client_id=options.pop("client_id", "test-consumer"),
                                       reconnect_min_s=1, reconnect_max_s=1, **options)
    consumer = MqttConsumer(config, ingest or runtime.ingest, runtime.store.append_dead_letters)
    consumer.start()
    assert consumer.wait_subscribed(10), "the consumer did not subscribe"
    return consumer


def row(minutes_ago: int, value: int, **extra) -> dict:
    return {"start": (NOW - timedelta(minutes=minutes_ago)).isoformat(), "metric": "count", "value": value, **extra}


def stored(runtime, *, latest_only=True):
    return runtime.store.observations(start=NOW - timedelta(days=2), end=NOW + timedelta(hours=1),
                                      latest_only=latest_only)


def wait_until(condition, timeout_s=10.0, what="condition"):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what() if callable(what) else what}"
        time.sleep(0.05)


def test_valid_messages_are_stored_and_acknowledged(broker, runtime):
    consumer = consumer_for(runtime, broker)
    publisher = Publisher(broker.port)
    try:
        publisher.wait_connected()
        assert publisher.send(TOPIC.format("cam-beach"), row(5, 120))  # sensor_id from the topic
        assert publisher.send(TOPIC.format("cam-beach"), [row(10, 110, sensor_id="cam-beach"), row(15, 100)])
        assert publisher.send(TOPIC.format("line-square"), [row(5, 7, metric="in"), row(5, 3, metric="out")])
        wait_until(lambda: len(stored(runtime)) == 5, what="5 stored rows")
        wait_until(lambda: consumer.stats.acknowledged == 3, what="3 acknowledgements")
    finally:
        consumer.stop()
        publisher.close()
    frame = stored(runtime)
    beach = frame[frame["sensor_id"] == "cam-beach"].sort_values("start")
    assert beach["value"].tolist() == [100, 110, 120]
    square = frame[frame["sensor_id"] == "line-square"].set_index("metric")["value"].to_dict()
    assert square == {"in": 7, "out": 3}
    assert runtime.store.dead_letters() == []
    assert consumer.stats.inserted == 5


def test_invalid_messages_are_dead_lettered_and_the_consumer_goes_on(broker, runtime):
    consumer = consumer_for(runtime, broker)
    publisher = Publisher(broker.port)
    bad = {
        "cam-beach:not-json": (TOPIC.format("cam-beach"), b"{not json"),
        "cam-beach:nan": (TOPIC.format("cam-beach"), b'{"start": "2026-01-01T00:00:00Z", "metric": "count", "value": NaN}'),
        "cam-beach:number": (TOPIC.format("cam-beach"), b"42"),
        "cam-beach:empty": (TOPIC.format("cam-beach"), b"[]"),
        "ghost:unknown": (TOPIC.format("ghost-sensor"), row(5, 1)),
        "cam-beach:mismatch": (TOPIC.format("cam-beach"), row(5, 1, sensor_id="wifi-beach")),
        "cam-beach:huge": (TOPIC.format("cam-beach"), b"[" + b"1," * 5000 + b"x"),
    }
    try:
        publisher.wait_connected()
        for _, (topic, payload) in bad.items():
            assert publisher.send(topic, payload)
        # partly valid: rows 0 and 2 stored, row 1 (negative) and row 3 (unknown field) dead-lettered
        assert publisher.send(TOPIC.format("cam-beach"),
                              [row(20, 50), row(25, -3), row(30, 40), row(35, 1, colour="red")])
        assert publisher.send(TOPIC.format("cam-beach"), row(40, 30))  # after all that: still consuming
        wait_until(lambda: len(stored(runtime)) == 3, what="the 3 valid rows")
        wait_until(lambda: consumer.stats.acknowledged == len(bad) + 2, what="every message acknowledged")
    finally:
        consumer.stop()
        publisher.close()
    assert sorted(stored(runtime)["value"].tolist()) == [30, 40, 50]
    letters = runtime.store.dead_letters(limit=100)
    reasons = sorted(letter.reason for letter in letters)
    assert len(letters) == len(bad) + 2, reasons
    assert all(letter.source == "mqtt" for letter in letters)
    by_reason = {letter.reason: letter for letter in letters}

    def one(fragment: str):
        found = [r for r in reasons if fragment in r]
        assert len(found) == 1, (fragment, reasons)
        return by_reason[found[0]]

    assert one("Expecting property name").payload == "{not json"
    assert "NaN" in one("NaN is not valid JSON").payload
    assert one("got int").payload == "42"
    assert one("empty array").where == TOPIC.format("cam-beach")
    assert one("unknown sensor 'ghost-sensor'").where == TOPIC.format("ghost-sensor")
    assert "wifi-beach" in one("does not match the topic's sensor 'cam-beach'").payload
    assert len(one("Expecting value").payload) == 4096  # a long payload is cut to 4 KiB
    assert one("row 1: value: must not be negative").payload.startswith('{"start"')
    assert "colour" in one("row 3: unknown field(s): colour").payload


def test_messages_are_acknowledged_only_once_stored(broker, runtime):
    """A consumer whose store fails acknowledges nothing; the next consumer of the same session
    gets every message again and stores it."""
    attempts = []

    def failing_ingest(rows):
        attempts.append(len(rows))
        raise StoreError("disk full (test)")

    client_id = f"ack-test-{uuid.uuid4().hex[:6]}"
    first = consumer_for(runtime, broker, client_id=client_id, ingest=failing_ingest)
    publisher = Publisher(broker.port)
    try:
        publisher.wait_connected()
        for i in range(10):
            assert publisher.send(TOPIC.format("cam-beach"), row(5 * i, 100 + i))
        wait_until(lambda: sum(attempts) >= 10 and first.stats.write_failures >= 2, what="failed writes")
        first.stop(timeout_s=0.5)  # gives up: nothing was stored, so nothing is acknowledged
        assert first.stats.acknowledged == 0 and len(stored(runtime)) == 0
        second = consumer_for(runtime, broker, client_id=client_id)
        try:
            wait_until(lambda: len(stored(runtime)) == 10, what="the redelivered messages")
        finally:
            second.stop()
    finally:
        publisher.close()
    assert sorted(stored(runtime)["value"].tolist()) == list(range(100, 110))


def test_broker_restart_loses_no_acknowledged_message(broker, runtime):
    """Messages published before, during (consumer away) and after a broker restart: every one
    with a PUBACK is stored exactly once."""
    consumer = consumer_for(runtime, broker, client_id="restart-consumer")
    publisher = Publisher(broker.port)
    acked: list[int] = []

    def publish(values):
        for v in values:
            if publisher.send(TOPIC.format("cam-beach"), row(v, v), timeout_s=3):
                acked.append(v)

    try:
        publisher.wait_connected()
        publish(range(0, 100))
        broker.stop()  # SIGTERM: mosquitto saves the sessions and their queued messages
        wait_until(lambda: not consumer.connected, what="the consumer to notice")
        consumer.stop(timeout_s=2)  # the consumer is away while the broker comes back
        broker.start()
        publisher.wait_connected()
        publish(range(100, 200))  # queued by the broker for the absent consumer's session
        consumer = consumer_for(runtime, broker, client_id="restart-consumer")
        publish(range(200, 260))
        broker.stop()
        broker.start()  # a restart while the consumer runs: it reconnects by itself
        wait_until(lambda: consumer.connected and consumer.wait_subscribed(0), timeout_s=15, what="reconnect")
        publisher.wait_connected()
        publish(range(260, 300))
        missing = lambda: sorted(set(acked) - set(stored(runtime)["value"].astype(int)))  # noqa: E731
        wait_until(lambda: not missing(), timeout_s=15, what=lambda: f"acknowledged but not stored: {missing()}")
    finally:
        consumer.stop()
        publisher.close()
    assert len(acked) >= 250, f"only {len(acked)} of 300 publishes acknowledged"
    every = stored(runtime, latest_only=False)
    assert not every.duplicated(["sensor_id", "start", "metric", "value"]).any(), "a message stored twice"
    assert set(acked) <= set(every["value"].astype(int))
    assert consumer.stats.connections >= 2
