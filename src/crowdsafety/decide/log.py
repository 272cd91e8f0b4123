"""The decision log's hash chain: sealing drafts into entries and proving a log intact.

Entry n stores ``hash = sha256(prev_hash + canonical_json(entry n without hashes))`` where
``prev_hash`` is entry n-1's hash (:data:`GENESIS_HASH` for the first). Canonical JSON: keys
sorted, no spaces, UTF-8, times as ISO 8601 UTC with microseconds. Changing, removing or
reordering any stored entry breaks the chain at that entry or the next.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crowdsafety.domain.decision import GENESIS_HASH, DecisionEntry
from crowdsafety.domain.privacy import scrub

#: Who writes the entries the service makes by itself (alerts raised, escalated, cleared).
SYSTEM = "system"


@dataclass(frozen=True)
class DecisionDraft:
    """An entry before it is sealed onto the chain (see :class:`DecisionEntry` for the fields).

    Every entry of the log starts as a draft, so here ``reason`` and the texts in ``details``
    are scrubbed of personal data (:func:`~crowdsafety.domain.privacy.scrub`: phone numbers,
    e-mail addresses, licence plates, ...); ``who`` and ``role`` name the actor and are kept.
    """

    at: datetime
    site_id: str
    who: str
    role: str
    action: str
    reason: str
    alert_id: str | None = None
    measure_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"decision time must carry a time zone, got {self.at.isoformat()}")
        for name in ("who", "role", "action", "reason"):
            if not getattr(self, name).strip():
                raise ValueError(f"decision {name} must not be empty")
        object.__setattr__(self, "reason", scrub(self.reason))
        object.__setattr__(self, "details", _scrubbed(self.details))
        canonical_json(self._body(0))  # details must be plain JSON values

    def _body(self, seq: int) -> dict[str, Any]:
        return {
            "seq": seq, "at": _iso(self.at), "site_id": self.site_id, "who": self.who, "role": self.role,
            "action": self.action, "reason": self.reason, "alert_id": self.alert_id,
            "measure_id": self.measure_id, "details": self.details,
        }


def _scrubbed(value: Any) -> Any:
    """``value`` with every string in it (not the keys) scrubbed; other values as they are."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_scrubbed(item) for item in value)
    return value


def canonical_json(value: Any) -> str:
    """The one JSON text of ``value`` that is hashed; refuses NaN and non-JSON types."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """sha256 hex of ``prev_hash`` followed by the canonical JSON of ``body``."""
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def seal(draft: DecisionDraft, head: tuple[int, str] | None) -> DecisionEntry:
    """``draft`` as the entry after ``head`` ((seq, hash) of the last entry; None: empty log)."""
    seq, prev = (head[0] + 1, head[1]) if head is not None else (1, GENESIS_HASH)
    body = draft._body(seq)
    at = datetime.fromisoformat(body["at"])
    return DecisionEntry(seq=seq, at=at, site_id=draft.site_id, who=draft.who, role=draft.role,
                         action=draft.action, reason=draft.reason, alert_id=draft.alert_id,
                         measure_id=draft.measure_id, details=draft.details, prev_hash=prev,
                         hash=entry_hash(prev, body))


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_chain` found: ``entries`` checked, the ``head`` hash, and for a broken
    log the seq of the first bad entry and what is wrong with it."""

    entries: int
    head: str
    first_bad: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_bad is None


def verify_chain(entries: Iterable[DecisionEntry]) -> Verification:
    """Recompute every hash in seq order; stop at the first entry that does not fit."""
    prev, expected_seq, count = GENESIS_HASH, 1, 0
    for e in entries:
        if e.seq != expected_seq:
            return Verification(count, prev, e.seq, f"expected entry {expected_seq} here, found entry {e.seq} "
                                                    "(an entry was removed or inserted)")
        if e.prev_hash != prev:
            return Verification(count, prev, e.seq, "its prev_hash is not the hash of the entry before it")
        body = {"seq": e.seq, "at": _iso(e.at), "site_id": e.site_id, "who": e.who, "role": e.role,
                "action": e.action, "reason": e.reason, "alert_id": e.alert_id, "measure_id": e.measure_id,
                "details": e.details}
        if entry_hash(prev, body) != e.hash:
            return Verification(count, prev, e.seq, "its content does not match its hash (the entry was altered)")
        prev, expected_seq, count = e.hash, expected_seq + 1, count + 1
    return Verification(count, prev)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
