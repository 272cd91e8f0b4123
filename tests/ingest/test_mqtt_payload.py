"""Parsing one MQTT message (no broker needed) and the broker URL."""

import pytest

from crowdsafety.ingest.mqtt_consumer import MqttIngestConfig, parse_broker_url
from crowdsafety.ingest.mqtt_payload import parse_message, sensor_from_topic

TOPIC = "crowdsafety/mini/sensors/cam-beach"
ROW = b'{"start": "2026-07-05T14:00:00+02:00", "metric": "count", "value": 4}'


def test_a_single_object_takes_its_sensor_from_the_topic():
    parsed = parse_message(TOPIC, ROW)
    assert parsed.rows == [{"sensor_id": "cam-beach", "start": "2026-07-05T14:00:00+02:00", "metric": "count",
                            "value": 4}]
    assert parsed.indices == [None] and parsed.problems == []


def test_an_array_keeps_row_indices_and_rejects_a_foreign_sensor_id():
    payload = b"[" + ROW + b", " + ROW.replace(b"{", b'{"sensor_id": "wifi-beach", ') + b", 7]"
    parsed = parse_message(TOPIC, payload)
    assert parsed.indices == [0, 2]
    assert parsed.rows[1] == 7  # left for validate_rows to reject with its reason
    [problem] = parsed.problems
    assert problem.index == 1 and "'wifi-beach' does not match the topic's sensor 'cam-beach'" in problem.reason


@pytest.mark.parametrize("payload, reason", [
    (b"", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b'{"value": Infinity}', "Infinity is not valid JSON"),
    (b'"text"', "got str"),
    (b"[]", "empty array"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b"[" + b"{}," * 10_000 + b"{}]", "10001 rows; at most 10000"),
    (b"[" + b" " * 8 * 1024 * 1024 + b"]", "bytes; at most 8388608 a message"),
])
def test_unusable_payloads_are_one_problem_with_the_payload(payload, reason):
    parsed = parse_message(TOPIC, payload)
    assert parsed.rows == []
    [problem] = parsed.problems
    assert reason in problem.reason and problem.index is None
    assert len(problem.payload) <= 4 * 4096


@pytest.mark.parametrize("topic", ["crowdsafety/mini/sensors/", "x/+"])
def test_a_topic_without_a_sensor_is_a_problem(topic):
    with pytest.raises(ValueError, match="names no sensor"):
        sensor_from_topic(topic)
    assert "names no sensor" in parse_message(topic, ROW).problems[0].reason


def test_broker_urls():
    assert parse_broker_url("mqtt://broker.example:1884") == ("broker.example", 1884, None, None)
    assert parse_broker_url("127.0.0.1") == ("127.0.0.1", 1883, None, None)
    assert parse_broker_url("mqtt://u:p@h") == ("h", 1883, "u", "p")
    for bad, why in [("http://h", "expected mqtt://"), ("mqtt://h:99999", "port"), ("mqtt://", "no host"),
                     ("mqtt://h/crowdsafety/#", "topic separately")]:
        with pytest.raises(ValueError, match=why):
            parse_broker_url(bad)
    config = MqttIngestConfig.for_site("mini", "mqtt://h:1")
    assert (config.topic, config.client_id, config.port) == ("crowdsafety/mini/sensors/+", "crowdsafety-mini-ingest", 1)
