"""Notifications of alert changes: a webhook and an MQTT topic per site.

Every notifier has ``send(message)``, which never blocks the caller, and ``close(timeout_s)``.
:func:`notifiers_from_env` builds the ones configured in the environment:

- ``CROWDSAFETY_WEBHOOK_URL``: POST each message there (retried with back-off);
- ``CROWDSAFETY_MQTT``: ``host[:port]`` of a broker; messages go to ``crowdsafety/<site>/alerts``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from crowdsafety.notify.mqtt import MqttConfig, MqttPublisher, alerts_topic
from crowdsafety.notify.webhook import WebhookConfig, WebhookSender

__all__ = [
    "MqttConfig",
    "MqttPublisher",
    "Notifier",
    "Notifiers",
    "WebhookConfig",
    "WebhookSender",
    "alerts_topic",
    "notifiers_from_env",
]

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def send(self, message: dict[str, Any]) -> None:
        """Hand ``message`` (JSON values) over for delivery; must not block."""
        ...

    def close(self, timeout_s: float = 5.0) -> None:
        ...


class Notifiers:
    """Several notifiers as one; a failing one never stops the others."""

    def __init__(self, notifiers: Sequence[Notifier] = ()):
        self.notifiers = tuple(notifiers)

    def send(self, message: dict[str, Any]) -> None:
        for n in self.notifiers:
            try:
                n.send(message)
            except Exception:  # a notifier bug must not stop the alert engine
                log.exception("notifier %s failed", type(n).__name__)

    def close(self, timeout_s: float = 5.0) -> None:
        for n in self.notifiers:
            n.close(timeout_s)


def notifiers_from_env(site_id: str, env: Mapping[str, str]) -> Notifiers:
    """The notifiers that ``env`` configures (see the module docstring); none when unset."""
    out: list[Notifier] = []
    url = env.get("CROWDSAFETY_WEBHOOK_URL")
    if url:
        out.append(WebhookSender(WebhookConfig(url)))
    broker = env.get("CROWDSAFETY_MQTT")
    if broker:
        host, _, port = broker.partition(":")
        try:
            config = MqttConfig(host=host or "127.0.0.1", port=int(port or 1883))
        except ValueError:
            raise ValueError(f"CROWDSAFETY_MQTT must be host[:port], got {broker!r}") from None
        out.append(MqttPublisher(site_id, config))
    return Notifiers(out)
