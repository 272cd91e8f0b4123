"""A message that could not be ingested, kept with the reason so a data engineer can fix its
sender. Payloads are sensor messages (aggregated counts), cut to ``MAX_PAYLOAD_CHARS``; as
anyone who can publish may send anything, every text is scrubbed of personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crowdsafety.domain.privacy import scrub

#: Longest payload text kept (characters); the rest is cut.
MAX_PAYLOAD_CHARS = 4096


@dataclass(frozen=True)
class DeadLetter:
    """``source``: the entry point (``"mqtt"``, ``"http"``, a feed name); ``where``: the MQTT
    topic, URL or file position; ``reason``: what is wrong; ``payload``: the message text."""

    received_at: datetime
    source: str
    where: str
    reason: str
    payload: str

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None or self.received_at.utcoffset() is None:
            raise ValueError(f"dead letter received_at must carry a time zone, got {self.received_at.isoformat()}")
        for name in ("where", "reason", "payload"):
            text = getattr(self, name)[:MAX_PAYLOAD_CHARS]  # cut first: scrubbing time grows with length
            object.__setattr__(self, name, _storable(scrub(text))[:MAX_PAYLOAD_CHARS])


def _storable(text: str) -> str:
    """``text`` with lone surrogates (JSON can carry ``"\\ud800"``; no store takes them as UTF-8)
    written as backslash escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
