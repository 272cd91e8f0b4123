"""Alerts and the append-only decision log in every store backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from crowdsafety.decide import DecisionDraft, seal, verify_chain
from crowdsafety.domain import Level, StoreError
from crowdsafety.domain.decision import (
    AlertKind,
    AlertRecord,
    AlertStatus,
    DecisionEntry,
)
from crowdsafety.store import Store

if TYPE_CHECKING:
    from conftest import Backend

T0 = datetime(2026, 8, 14, 19, 0, 0, 123456, tzinfo=UTC)
ALERT = AlertRecord(id="expected.pier.20260814T1900Z", site_id="scheveningen", kind=AlertKind.EXPECTED,
                    subject="pier", zone_ids=("pier",), level=Level.ORANGE, peak_level=Level.RED,
                    risk_level=Level.RED, raised_at=T0, updated_at=T0 + timedelta(minutes=5),
                    reasons=("forecast: 70% chance", "heat: 29 °C"), target_at=T0 + timedelta(hours=3),
                    probability=0.7)


def entry(store: Store, n: int, alert_id: str | None = ALERT.id) -> DecisionEntry:
    draft = DecisionDraft(at=T0 + timedelta(seconds=n), site_id="scheveningen", who="JdV", role="coordinator",
                          action="acknowledged", reason=f"step {n}", alert_id=alert_id, details={"n": n, "ü": [1.5]})
    return seal(draft, store.decision_head())


def test_alerts_round_trip_and_filters(store: Store):
    other = replace(ALERT, id="observed.haven.x", kind=AlertKind.OBSERVED, subject="haven", zone_ids=("haven",),
                    raised_at=T0 - timedelta(hours=1), target_at=None, probability=None, reasons=(),
                    status=AlertStatus.CLOSED, active=False, cleared_at=T0, assignee="Politie")
    store.put_alert(ALERT)
    store.put_alert(other)
    assert store.alert(ALERT.id) == ALERT
    assert store.alert("nope") is None
    assert store.alerts() == [other, ALERT]
    assert store.alerts(active=True) == [ALERT]
    assert store.alerts(closed=True) == [other]
    assert store.alerts(start=T0) == [ALERT] and store.alerts(end=T0) == [other]
    acked = replace(ALERT, status=AlertStatus.ACKNOWLEDGED)
    store.put_alert(acked)
    assert store.alerts(closed=False) == [acked]


def test_log_appends_only_entries_that_extend_the_head(store: Store):
    assert store.decision_head() is None
    first = entry(store, 1)
    store.append_decision(first)
    second = entry(store, 2, alert_id=None)
    store.append_decision(second)
    assert store.decision_head() == (2, second.hash)
    with pytest.raises(StoreError, match="does not extend the log"):
        store.append_decision(first)  # replayed
    forged = replace(entry(store, 3), prev_hash=first.hash)
    with pytest.raises(StoreError, match="does not extend the log"):
        store.append_decision(forged)
    assert store.decisions() == [first, second]
    assert store.decisions(alert_id=ALERT.id) == [first]
    assert store.decisions(after_seq=1) == [second] and store.decisions(limit=1) == [first]
    assert verify_chain(store.decisions()).intact


def test_alert_and_its_entry_are_stored_together_or_not_at_all(store: Store):
    store.append_decision(entry(store, 1))
    stale = seal(DecisionDraft(at=T0, site_id="s", who="w", role="r", action="closed", reason="x"), None)
    with pytest.raises(StoreError):
        store.put_alert(ALERT, stale)
    assert store.alert(ALERT.id) is None and len(store.decisions()) == 1
    store.put_alert(ALERT, entry(store, 2))
    assert store.alert(ALERT.id) == ALERT and store.decision_head()[0] == 2  # type: ignore[index]


def test_log_survives_reopening(backend: Backend):
    if not backend.persistent:
        pytest.skip("in-memory store")
    store = backend.open()
    store.put_alert(ALERT, entry(store, 1))
    store.close()
    again = backend.open()
    try:
        assert again.alert(ALERT.id) == ALERT and verify_chain(again.decisions()).entries == 1
    finally:
        again.close()


def test_no_interface_can_change_the_log():
    from crowdsafety.store.duckdb_store import DuckDBStore
    from crowdsafety.store.postgres_store import PostgresStore

    retention = {"delete_observations_before"}  # raw observations only; the log is kept
    retention |= {"update_incident"}  # appends a step to an incident's history, not to the log
    retention |= {"update_flight"}  # a flight's status; its history is in the log (flight.started/.ended)
    for cls in (Store, DuckDBStore, PostgresStore):
        names = [n for n in dir(cls) if not n.startswith("_") and n not in retention]
        assert not [n for n in names if any(w in n for w in ("delete", "update", "remove", "edit"))]
