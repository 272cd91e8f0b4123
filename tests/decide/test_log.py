"""The hash chain: sealed entries verify; any change, removal or reordering is found."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import pytest

from crowdsafety.decide import DecisionDraft, seal, verify_chain
from crowdsafety.decide.log import canonical_json
from crowdsafety.domain.decision import GENESIS_HASH, DecisionEntry

from .builders import T0


def chain(n: int) -> list[DecisionEntry]:
    entries: list[DecisionEntry] = []
    for i in range(n):
        draft = DecisionDraft(at=T0 + timedelta(minutes=i), site_id="s", who=f"person {i}", role="coordinator",
                              action="acknowledged", reason=f"reason {i} — ü", alert_id="a", details={"p": 0.1 * i})
        entries.append(seal(draft, (entries[-1].seq, entries[-1].hash) if entries else None))
    return entries


def test_seal_links_entries_with_sha256():
    a, b = chain(2)
    assert (a.seq, a.prev_hash, b.seq, b.prev_hash) == (1, GENESIS_HASH, 2, a.hash)
    body = {"seq": 1, "at": "2026-07-05T12:00:00.000000+00:00", "site_id": "s", "who": "person 0",
            "role": "coordinator", "action": "acknowledged", "reason": "reason 0 — ü", "alert_id": "a",
            "measure_id": None, "details": {"p": 0.0}}
    assert a.hash == hashlib.sha256((GENESIS_HASH + canonical_json(body)).encode()).hexdigest()
    result = verify_chain(chain(5))
    assert result.intact and result.entries == 5 and result.head == chain(5)[-1].hash


@pytest.mark.parametrize("tamper, bad, good, words", [
    (lambda e: e[:2] + [replace(e[2], reason="nothing happened")] + e[3:], 3, 2, "altered"),
    (lambda e: e[:2] + [replace(e[2], details={"p": 0.9})] + e[3:], 3, 2, "altered"),
    (lambda e: e[:2] + [replace(e[2], at=e[2].at + timedelta(seconds=1))] + e[3:], 3, 2, "altered"),
    (lambda e: e[:1] + e[2:], 3, 1, "removed or inserted"),
    (lambda e: e[:1] + [e[2], e[1]] + e[3:], 3, 1, "removed or inserted"),
    (lambda e: e[:3] + [replace(e[3], prev_hash=e[1].hash)] + e[4:], 4, 3, "prev_hash"),
])
def test_tampering_is_found_at_the_first_bad_entry(tamper, bad: int, good: int, words: str):
    result = verify_chain(tamper(chain(5)))
    assert not result.intact and result.first_bad == bad and words in (result.problem or "")
    assert result.entries == good


def test_drafts_refuse_what_cannot_be_hashed_or_logged():
    with pytest.raises(ValueError, match="reason must not be empty"):
        DecisionDraft(at=T0, site_id="s", who="w", role="r", action="a", reason=" ")
    with pytest.raises(ValueError):
        DecisionDraft(at=T0, site_id="s", who="w", role="r", action="a", reason="x", details={"p": float("nan")})
    with pytest.raises(ValueError, match="time zone"):
        DecisionDraft(at=T0.replace(tzinfo=None), site_id="s", who="w", role="r", action="a", reason="x")
