"""The webhook sender against a real HTTP server on loopback: retries, back-off, never blocking."""

from __future__ import annotations

import time

import pytest

from crowdsafety.notify import WebhookConfig, WebhookSender, notifiers_from_env

from .receivers import webhook_receiver

MESSAGE = {"type": "alert.raised", "alert": {"id": "observed.pier.x", "level": "orange"}}


def test_retries_a_500_after_the_back_off_then_delivers():
    with webhook_receiver([500, 200]) as hook:
        sender = WebhookSender(WebhookConfig(hook.url, backoff_s=0.3, backoff_factor=2.0))
        sender.send(MESSAGE)
        assert sender.flush(5)
        sender.close()
    (t1, h1, b1), (t2, h2, b2) = hook.requests
    assert b1 == b2 == MESSAGE
    assert h1["X-Crowdsafety-Delivery"] == h2["X-Crowdsafety-Delivery"]
    assert (h1["X-Crowdsafety-Attempt"], h2["X-Crowdsafety-Attempt"]) == ("1", "2")
    assert h1["Content-Type"] == "application/json"
    assert 0.3 <= t2 - t1 < 1.5  # waited the back-off, not much more
    assert (sender.delivered, sender.failed) == (1, 0)


def test_back_off_grows_and_gives_up_after_the_last_try():
    with webhook_receiver([503]) as hook:
        sender = WebhookSender(WebhookConfig(hook.url, attempts=3, backoff_s=0.1, backoff_factor=3.0))
        sender.send(MESSAGE)
        assert sender.flush(5)
        sender.close()
    times = [t for t, _, _ in hook.requests]
    assert len(times) == 3
    assert 0.1 <= times[1] - times[0] < 0.3 <= times[2] - times[1] < 0.8
    assert (sender.delivered, sender.failed) == (0, 1)


def test_a_refusal_is_not_retried():
    with webhook_receiver([400]) as hook:
        sender = WebhookSender(WebhookConfig(hook.url, backoff_s=0.05))
        sender.send(MESSAGE)
        assert sender.flush(5)
        sender.close()
    assert len(hook.requests) == 1 and sender.failed == 1


def test_send_never_blocks_on_a_slow_receiver():
    with webhook_receiver([200], delay_s=0.2) as hook:
        sender = WebhookSender(WebhookConfig(hook.url, queue_size=2))
        started = time.monotonic()
        for i in range(5):
            sender.send({"n": i})
        assert time.monotonic() - started < 0.1
        assert sender.dropped >= 2  # a full queue drops rather than waits
        assert sender.flush(5)
        sender.close()
    assert hook.requests[0][2]["n"] == 0


def test_unreachable_receiver_is_retried_then_given_up():
    sender = WebhookSender(WebhookConfig("http://127.0.0.1:9/none", attempts=2, backoff_s=0.05, timeout_s=1))
    sender.send(MESSAGE)
    assert sender.flush(5)
    sender.close()
    assert sender.failed == 1


def test_configuration_from_the_environment():
    assert notifiers_from_env("s", {}).notifiers == ()
    with pytest.raises(ValueError, match="http:// or https://"):
        notifiers_from_env("s", {"CROWDSAFETY_WEBHOOK_URL": "ftp://x"})
    with pytest.raises(ValueError, match="host\\[:port\\]"):
        notifiers_from_env("s", {"CROWDSAFETY_MQTT": "localhost:abc"})
