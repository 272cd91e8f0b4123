"""The MQTT publisher against the Mosquitto broker on 127.0.0.1:1883."""

from __future__ import annotations

import uuid

from crowdsafety.notify import (
    MqttConfig,
    MqttPublisher,
    alerts_topic,
    notifiers_from_env,
)

from .receivers import broker_or_skip, subscriber


def test_message_arrives_on_the_site_topic():
    site_id = f"test-{uuid.uuid4().hex[:8]}"
    assert alerts_topic(site_id) == f"crowdsafety/{site_id}/alerts"
    with subscriber(alerts_topic(site_id)) as got:
        publisher = MqttPublisher(site_id, MqttConfig())
        publisher.send({"type": "alert.raised", "alert": {"id": "a", "level": "orange", "reasons": ["heat: 29 °C"]}})
        try:
            message = got.get(timeout=5)
        finally:
            publisher.close()
    assert message == {"type": "alert.raised", "alert": {"id": "a", "level": "orange", "reasons": ["heat: 29 °C"]}}


def test_messages_sent_before_the_connection_are_delivered():
    broker_or_skip()
    site_id = f"test-{uuid.uuid4().hex[:8]}"
    with subscriber(alerts_topic(site_id)) as got:
        [publisher] = notifiers_from_env(site_id, {"CROWDSAFETY_MQTT": "127.0.0.1:1883"}).notifiers
        for n in range(3):  # right after construction: paho is most likely still connecting
            publisher.send({"n": n})
        try:
            received = [got.get(timeout=5)["n"] for _ in range(3)]
        finally:
            publisher.close()
        assert received == [0, 1, 2]
