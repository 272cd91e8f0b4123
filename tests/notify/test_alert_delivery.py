"""End to end: an alert raised by the service reaches a real webhook and the MQTT broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from crowdsafety.decide import load_playbook
from crowdsafety.domain import DataStatus, Level, Site, ZoneState
from crowdsafety.notify import (
    MqttPublisher,
    Notifiers,
    WebhookConfig,
    WebhookSender,
    alerts_topic,
)
from crowdsafety.domain.incident import Incident as StoredIncident
from crowdsafety.domain.incident import IncidentCategory, IncidentSource, IncidentStatus, IncidentUpdate, Urgency
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.deciding import Decider
from crowdsafety.store import open_store

from .receivers import subscriber, webhook_receiver

T0 = datetime(2026, 7, 5, 12, 0, tzinfo=UTC)


def test_an_alert_reaches_real_receivers(mini_site: Site):
    """Trigger an alert: its JSON arrives at a webhook (after a 500) and on the site's MQTT topic."""
    runtime = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(T0))
    tag = uuid.uuid4().hex  # tells this run's messages from others' on the shared broker
    with webhook_receiver([500, 200]) as hook, subscriber(alerts_topic(mini_site.id)) as mqtt_messages:
        notifier = Notifiers([WebhookSender(WebhookConfig(hook.url, backoff_s=0.2)), MqttPublisher(mini_site.id)])
        decider = Decider(runtime, load_playbook(mini_site), notifier=notifier)
        runtime.store.add_incident(  # a stored incident is an aggravating factor for its zone
            StoredIncident("CS-TEST22", runtime.site.id, IncidentSource.CHATBOT, IncidentCategory.AGGRESSION,
                           Urgency.HIGH, T0, T0, zone_ids=("square",), description=f"test {tag}"),
            IncidentUpdate("CS-TEST22", 1, T0, IncidentStatus.NEW, "system", "chatbot"))
        for n in range(3):  # 15 min at orange (more than 200 persons on the square)
            start = T0 + timedelta(minutes=5 * n)
            runtime.store.put_zone_states([ZoneState("square", start, 300, 250.0, 0.5, Level.ORANGE, None, DataStatus.OK)])
            runtime.clock.advance(300)  # type: ignore[attr-defined]
            decider.evaluate()
        hook.wait_for(2)
        message: dict[str, Any] = {}
        while tag not in str(message):
            message = mqtt_messages.get(timeout=5)
        decider.close()
    runtime.store.close()
    assert message["type"] == "alert.raised" and message["alert"]["subject"] == "square"
    assert message["alert"]["level"] == "orange" and message["alert"]["risk_level"] == "red"
    (t1, _, first), (t2, _, second) = hook.requests
    assert first == second and t2 - t1 >= 0.2  # retried after the back-off
    assert second["alert"]["id"] == message["alert"]["id"] == "observed.square.20260705T1210Z"
