"""Passenger conversations kept in memory while they go on, keyed by a random id.

A conversation holds only scrubbed text (see :mod:`crowdsafety.chat.dialogue`) and is forgotten
``idle_s`` seconds after its last message (default 30 minutes); the filed incident stays in the
store. Nothing about the passenger's device or address is kept.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from crowdsafety.chat import ChatReport, Conversation, KnownStop, Turn, reply
from crowdsafety.domain.errors import CrowdSafetyError
from crowdsafety.service.chat_site import chat_stops

IDLE_S = 1800.0  # s a conversation is kept after its last message
MAX_CONVERSATIONS = 10_000  # the oldest is forgotten beyond this


class UnknownConversation(CrowdSafetyError):
    """No conversation with this id (never started, or forgotten after being idle)."""


@dataclass
class ChatSessions:
    """``file`` files a report and returns its reference code; ``stops``/``lines``: the site's."""

    file: Callable[[ChatReport], str]
    stops: tuple[KnownStop, ...] = ()
    lines: tuple[str, ...] = ()
    idle_s: float = IDLE_S
    max_conversations: int = MAX_CONVERSATIONS
    clock: Callable[[], float] = time.monotonic
    _open: dict[str, tuple[Conversation, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def for_site(cls, site_dir: Path, file: Callable[[ChatReport], str], **options) -> ChatSessions:
        """Sessions knowing the stops and lines of the site's GTFS feed (``site_dir/gtfs``)."""
        stops, lines = chat_stops(site_dir)
        return cls(file, stops, lines, **options)

    def say(self, conversation_id: str | None, text: str, language: str | None = None) -> tuple[str, Turn]:
        """Pass the passenger's ``text`` on; a new conversation when ``conversation_id`` is None.
        Raises :class:`UnknownConversation` for an id not (or no longer) known."""
        now = self.clock()
        with self._lock:
            self._forget_idle(now)
            if conversation_id is None:
                conversation_id, state = secrets.token_urlsafe(18), Conversation()
            elif conversation_id in self._open:
                state = self._open[conversation_id][0]
            else:
                raise UnknownConversation("no such conversation (it may have ended after being idle): start a new one")
        turn = reply(state, text, file=self.file, stops=self.stops, lines=self.lines, language=language)
        with self._lock:
            self._open[conversation_id] = (turn.conversation, now)
            while len(self._open) > self.max_conversations:
                del self._open[next(iter(self._open))]
        return conversation_id, turn

    def __len__(self) -> int:
        return len(self._open)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, (_, at) in self._open.items() if now - at > self.idle_s]:
            del self._open[key]
