"""MQTT notifications: alert messages as JSON on ``crowdsafety/<site>/alerts`` (paho-mqtt).

paho's network loop runs on its own thread and reconnects by itself (1 s to 60 s back-off);
:meth:`MqttPublisher.send` only hands the message to paho's queue, which holds QoS 1 messages
while the broker is away, so the picture never waits for the broker.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

log = logging.getLogger(__name__)


def alerts_topic(site_id: str) -> str:
    """The topic a site's alert messages are published on."""
    return f"crowdsafety/{site_id}/alerts"


@dataclass(frozen=True)
class MqttConfig:
    """Broker address, QoS (0, 1 or 2), keep-alive in s, and optional credentials."""

    host: str = "127.0.0.1"
    port: int = 1883
    qos: int = 1
    keepalive_s: int = 60
    username: str | None = None
    password: str | None = None
    max_queued: int = 1000


class MqttPublisher:
    """A :class:`~crowdsafety.notify.Notifier` publishing to the site's alerts topic."""

    def __init__(self, site_id: str, config: MqttConfig = MqttConfig()):
        self.config = config
        self.topic = alerts_topic(site_id)
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"crowdsafety-{site_id}-{uuid.uuid4().hex[:8]}")
        if config.username:
            self._client.username_pw_set(config.username, config.password)
        self._client.max_queued_messages_set(config.max_queued)
        self._client.reconnect_delay_set(min_delay=1, max_delay=60)
        self._last: mqtt.MQTTMessageInfo | None = None
        self._client.connect_async(config.host, config.port, config.keepalive_s)
        self._client.loop_start()

    def send(self, message: dict[str, Any]) -> None:
        """Publish ``message`` as JSON; never blocks on the network."""
        info = self._client.publish(self.topic, json.dumps(message, ensure_ascii=False), qos=self.config.qos)
        self._last = info
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            log.warning("MQTT publish to %s failed: %s", self.topic, mqtt.error_string(info.rc))

    def close(self, timeout_s: float = 5.0) -> None:
        """Wait up to ``timeout_s`` for the last message to go out, then disconnect."""
        if self._last is not None and self._client.is_connected():
            try:
                self._last.wait_for_publish(timeout_s)
            except (RuntimeError, ValueError) as exc:
                log.warning("MQTT close: last message not confirmed: %s", exc)
        self._client.disconnect()
        self._client.loop_stop()
