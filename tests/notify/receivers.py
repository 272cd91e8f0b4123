"""Real receivers on loopback: an HTTP server that records POSTs, and an MQTT subscriber."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

BROKER = ("127.0.0.1", 1883)


@dataclass
class Hook:
    """What the local webhook receiver saw; ``answers`` are the statuses it gives in turn
    (the last one repeats)."""

    answers: list[int]
    delay_s: float = 0.0
    requests: list[tuple[float, dict[str, str], Any]] = field(default_factory=list)
    url: str = ""

    def wait_for(self, n: int, timeout_s: float = 5.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.requests) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.requests) >= n, f"expected {n} requests, got {len(self.requests)}"


@contextmanager
def webhook_receiver(answers: list[int], delay_s: float = 0.0) -> Iterator[Hook]:
    hook = Hook(list(answers), delay_s)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(hook.delay_s)
            hook.requests.append((time.monotonic(), dict(self.headers), body))
            status = hook.answers.pop(0) if len(hook.answers) > 1 else hook.answers[0]
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def broker_or_skip() -> None:
    try:
        socket.create_connection(BROKER, timeout=1).close()
    except OSError as exc:
        pytest.skip(f"no MQTT broker at {BROKER[0]}:{BROKER[1]} ({exc}); start mosquitto to run this test")


@contextmanager
def subscriber(topic: str) -> Iterator[queue.Queue[dict[str, Any]]]:
    """Messages arriving on ``topic`` (JSON-decoded); subscribed before the block starts."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    broker_or_skip()
    got: queue.Queue[dict[str, Any]] = queue.Queue()
    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_message = lambda c, u, msg: got.put(json.loads(msg.payload))
    client.connect(*BROKER)
    client.loop_start()
    try:
        assert subscribed.wait(5), "the broker did not confirm the subscription within 5 s"
        yield got
    finally:
        client.disconnect()
        client.loop_stop()
