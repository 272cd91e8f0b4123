"""Webhook notifications: JSON POSTs from a background thread, retried with exponential back-off.

:meth:`WebhookSender.send` only puts the message on a bounded queue, so the picture and the
alert engine never wait for a receiver. The worker POSTs each message; a connection error, a
timeout, a 5xx, 408 or 429 answer is retried after ``backoff_s`` × ``backoff_factor``^n seconds
(capped at ``max_backoff_s``), up to ``attempts`` tries; any other 4xx is given up at once (the
receiver refuses it). Every message carries one ``X-Crowdsafety-Delivery`` id across its retries
so a receiver can drop duplicates.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

_STOP = object()
#: HTTP answers worth trying again.
RETRY_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class WebhookConfig:
    """Where and how to POST: ``timeout_s`` per try, back-off in s, ``queue_size`` messages."""

    url: str
    attempts: int = 5
    backoff_s: float = 1.0
    backoff_factor: float = 2.0
    max_backoff_s: float = 60.0
    timeout_s: float = 5.0
    queue_size: int = 1000

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must start with http:// or https://, got {self.url!r}")
        if self.attempts < 1:
            raise ValueError(f"webhook attempts must be at least 1, got {self.attempts}")

    def delay_s(self, failed_tries: int) -> float:
        """Seconds to wait after ``failed_tries`` failed tries (1, 2, ...)."""
        return min(self.max_backoff_s, self.backoff_s * self.backoff_factor ** (failed_tries - 1))


class WebhookSender:
    """A :class:`~crowdsafety.notify.Notifier` that POSTs JSON to one URL."""

    def __init__(self, config: WebhookConfig):
        self.config = config
        self.delivered = 0
        self.failed = 0
        self.dropped = 0
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=config.queue_size)
        self._abort = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
        self._thread.start()

    def send(self, message: dict[str, Any]) -> None:
        """Queue ``message`` for delivery; never blocks (a full queue drops it, with a warning)."""
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        try:
            self._queue.put_nowait((uuid.uuid4().hex, body))
        except queue.Full:
            self.dropped += 1
            log.warning("webhook queue full (%d messages): dropped one", self.config.queue_size)

    def flush(self, timeout_s: float) -> bool:
        """Wait until every queued message was delivered or given up; False on timeout."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout_s)

    def close(self, timeout_s: float = 5.0) -> None:
        """Deliver what is queued within ``timeout_s``, then stop (pending retries are abandoned)."""
        try:
            self._queue.put(_STOP, timeout=timeout_s)
        except queue.Full:
            pass
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self._abort.set()
            self._thread.join(self.config.timeout_s + 1)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                self._deliver(*item)
            finally:
                self._queue.task_done()

    def _deliver(self, delivery: str, body: bytes) -> None:
        cfg = self.config
        for attempt in range(1, cfg.attempts + 1):
            retry, why = self._post(delivery, body, attempt)
            if why is None:
                self.delivered += 1
                return
            if not retry or attempt == cfg.attempts:
                break
            log.info("webhook %s: try %d failed (%s); retrying in %.1f s", delivery, attempt, why, cfg.delay_s(attempt))
            if self._abort.wait(cfg.delay_s(attempt)):
                break
        self.failed += 1
        log.warning("webhook %s to %s given up after %d tries: %s", delivery, cfg.url, attempt, why)

    def _post(self, delivery: str, body: bytes, attempt: int) -> tuple[bool, str | None]:
        """One try: (worth retrying, what went wrong or None when delivered)."""
        request = urllib.request.Request(self.config.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "crowdsafety-webhook",
            "X-Crowdsafety-Delivery": delivery, "X-Crowdsafety-Attempt": str(attempt)})
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout_s) as response:
                response.read()
            return False, None
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code in RETRY_STATUS, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return True, str(getattr(exc, "reason", exc))
