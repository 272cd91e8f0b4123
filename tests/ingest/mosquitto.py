"""A Mosquitto broker of the test's own on a free loopback port, with persistence in a folder,
that a test can stop (SIGTERM) and start again on the same port and persistence."""

from __future__ import annotations

import getpass
import json
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

MOSQUITTO = "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mosquitto:
    """``start()`` / ``stop()``; ``url`` is ``mqtt://127.0.0.1:<port>``."""

    def __init__(self, folder: Path):
        if not Path(MOSQUITTO).exists() and not shutil.which("mosquitto"):
            pytest.skip("mosquitto is not installed")
        self.folder = folder
        self.port = free_port()
        (folder / "data").mkdir(parents=True, exist_ok=True)
        self.config = folder / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            f"user {getpass.getuser()}\n"  # as root, mosquitto would switch to a user who cannot write here
            "persistence true\n"
            f"persistence_location {folder / 'data'}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 1000000\n"  # the default (1000) drops QoS 1 messages beyond it
            f"log_dest file {folder / 'mosquitto.log'}\n"
        )
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 10.0) -> "Mosquitto":
        self._proc = subprocess.Popen([shutil.which("mosquitto") or MOSQUITTO, "-c", str(self.config)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"mosquitto did not start on port {self.port}: {self.log()[-2000:]}")
                time.sleep(0.05)

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM: mosquitto saves its persistence file and exits."""
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.send_signal(signal.SIGTERM)
        try:
            self._proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)

    def log(self) -> str:
        path = self.folder / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> "Mosquitto":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Publisher:
    """A QoS 1 publisher: :meth:`send` returns True only once the broker sent its PUBACK."""

    def __init__(self, port: int, client_id: str = ""):
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self._client.reconnect_delay_set(min_delay=1, max_delay=2)
        self._connected = threading.Event()
        self._client.on_connect = lambda *_: self._connected.set()
        self._client.on_disconnect = lambda *_: self._connected.clear()
        self._client.connect_async("127.0.0.1", port, keepalive=10)
        self._client.loop_start()

    def wait_connected(self, timeout_s: float = 10.0) -> None:
        assert self._connected.wait(timeout_s), "the publisher did not connect"

    def send(self, topic: str, payload: Any, timeout_s: float = 5.0) -> bool:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = self._client.publish(topic, data, qos=1)
        try:
            info.wait_for_publish(timeout_s)
        except (RuntimeError, ValueError):
            return False
        return info.is_published()

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
