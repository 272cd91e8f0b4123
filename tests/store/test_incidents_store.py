"""Incidents with their append-only history, and chat messages with their retention, per backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import duckdb
import psycopg
import pytest
from psycopg import sql

from crowdsafety.domain import StoreError
from crowdsafety.domain.incident import (
    Incident,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    IncidentUpdate,
    Urgency,
)
from crowdsafety.store.duckdb_store import DuckDBStore
from crowdsafety.store.schema import SCHEMA_VERSION

T0 = datetime(2026, 8, 14, 20, 0, tzinfo=UTC)


def incident(ref: str, minutes: int = 0, **changes) -> Incident:
    base = Incident(ref=ref, site_id="scheveningen", source=IncidentSource.CHATBOT,
                    category=IncidentCategory.HARASSMENT, urgency=Urgency.HIGH, at=T0 + timedelta(minutes=minutes),
                    reported_at=T0 + timedelta(minutes=minutes + 2), point=(4.2747, 52.1128), line="11",
                    direction="Scheveningen Haven", stop_id="8810", vehicle="3041", zone_ids=("pier", "boulevard"),
                    description="man following a girl")
    return replace(base, **changes)


def step(ref: str, seq: int, status: IncidentStatus, note: str = "", minutes: int = 0) -> IncidentUpdate:
    return IncidentUpdate(ref=ref, seq=seq, at=T0 + timedelta(minutes=minutes), status=status, who="desk 2",
                          role="operator", note=note)


def test_an_incident_comes_back_as_stored_with_its_history(store):
    first = step("CS-7KQ2M9", 1, IncidentStatus.NEW, "reported by chat")
    store.add_incident(incident("CS-7KQ2M9"), first)
    assert store.incident("CS-7KQ2M9") == incident("CS-7KQ2M9")
    assert store.incident("CS-NONE") is None
    assert store.incident_history("CS-7KQ2M9") == [first]
    assert store.incident_history("CS-NONE") == []


def test_a_place_may_be_only_a_zone_or_only_a_point(store):
    bare = incident("CS-ZONE", point=None, line=None, direction=None, stop_id=None, vehicle=None, description="")
    store.add_incident(bare, step("CS-ZONE", 1, IncidentStatus.NEW))
    assert store.incident("CS-ZONE") == bare


def test_a_second_incident_with_the_same_ref_is_refused_and_nothing_changes(store):
    store.add_incident(incident("CS-AAAA"), step("CS-AAAA", 1, IncidentStatus.NEW))
    with pytest.raises(StoreError, match="CS-AAAA.*already exists"):
        store.add_incident(incident("CS-AAAA", description="other"), step("CS-AAAA", 1, IncidentStatus.NEW))
    assert store.incident("CS-AAAA").description == "man following a girl"
    assert len(store.incident_history("CS-AAAA")) == 1


def test_the_first_step_must_be_seq_1_of_the_same_ref(store):
    with pytest.raises(StoreError, match="first update"):
        store.add_incident(incident("CS-BBBB"), step("CS-BBBB", 2, IncidentStatus.NEW))
    assert store.incident("CS-BBBB") is None


def test_updates_append_history_and_set_the_status(store):
    store.add_incident(incident("CS-CCCC"), step("CS-CCCC", 1, IncidentStatus.NEW))
    assigned = store.update_incident(step("CS-CCCC", 2, IncidentStatus.ASSIGNED, "tram team 3", 5))
    assert assigned.status is IncidentStatus.ASSIGNED and assigned.ref == "CS-CCCC"
    answered = replace(step("CS-CCCC", 3, IncidentStatus.ASSIGNED, "a team is on its way", 6), answer=True)
    store.update_incident(answered)
    resolved = store.update_incident(step("CS-CCCC", 4, IncidentStatus.RESOLVED, "spoken to, left the tram", 9))
    assert resolved == replace(incident("CS-CCCC"), status=IncidentStatus.RESOLVED)
    history = store.incident_history("CS-CCCC")
    assert [u.seq for u in history] == [1, 2, 3, 4]
    assert [u.status for u in history] == [IncidentStatus.NEW, IncidentStatus.ASSIGNED, IncidentStatus.ASSIGNED,
                                           IncidentStatus.RESOLVED]
    assert history[2] == answered and [u.answer for u in history] == [False, False, True, False]
    assert history[3].note == "spoken to, left the tram"


def test_an_update_out_of_sequence_or_of_an_unknown_incident_is_refused(store):
    store.add_incident(incident("CS-DDDD"), step("CS-DDDD", 1, IncidentStatus.NEW))
    with pytest.raises(StoreError, match="seq 3 is not the next \\(2\\)"):
        store.update_incident(step("CS-DDDD", 3, IncidentStatus.RESOLVED))
    with pytest.raises(StoreError, match="seq 1 is not the next"):
        store.update_incident(step("CS-DDDD", 1, IncidentStatus.RESOLVED))
    with pytest.raises(StoreError, match="unknown incident 'CS-XXXX'"):
        store.update_incident(step("CS-XXXX", 2, IncidentStatus.RESOLVED))
    assert store.incident("CS-DDDD").status is IncidentStatus.NEW
    assert len(store.incident_history("CS-DDDD")) == 1


def test_incidents_are_listed_latest_first_within_a_span_and_status(store):
    for n, minutes in enumerate((0, 30, 10, 50)):
        ref = f"CS-{n}"
        store.add_incident(incident(ref, minutes), step(ref, 1, IncidentStatus.NEW))
    store.update_incident(step("CS-1", 2, IncidentStatus.RESOLVED))
    assert [i.ref for i in store.incidents()] == ["CS-3", "CS-1", "CS-2", "CS-0"]
    assert [i.ref for i in store.incidents(limit=2)] == ["CS-3", "CS-1"]
    assert [i.ref for i in store.incidents(start=T0 + timedelta(minutes=10), end=T0 + timedelta(minutes=50))] == [
        "CS-1", "CS-2"]
    assert [i.ref for i in store.incidents(status=IncidentStatus.NEW)] == ["CS-3", "CS-2", "CS-0"]
    assert [i.ref for i in store.incidents(status=IncidentStatus.RESOLVED)] == ["CS-1"]
    with pytest.raises(StoreError, match="time zone"):
        store.incidents(start=datetime(2026, 8, 14))


def test_incidents_survive_reopening(backend):
    if not backend.persistent:
        pytest.skip("in-memory store")
    store = backend.open()
    store.add_incident(incident("CS-KEEP"), step("CS-KEEP", 1, IncidentStatus.NEW))
    store.close()
    store = backend.open()
    try:
        assert store.incident("CS-KEEP") == incident("CS-KEEP")
    finally:
        store.close()


def test_a_version_2_duckdb_file_gains_the_incident_tables(tmp_path):
    path = str(tmp_path / "v2.duckdb")
    DuckDBStore(path).close()
    con = duckdb.connect(path)  # make it look like a version-2 file
    for table in ("incidents", "incident_updates"):
        con.execute(f"DROP TABLE {table}").fetchall()
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'").fetchall()
    con.close()
    store = DuckDBStore(path)
    try:
        store.add_incident(incident("CS-UPGR"), step("CS-UPGR", 1, IncidentStatus.NEW))
        assert store.incident("CS-UPGR") == incident("CS-UPGR")
    finally:
        store.close()
    con = duckdb.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]
    con.close()


def test_a_version_2_postgresql_schema_gains_the_incident_tables(pg_schema):
    from crowdsafety.store.postgres_store import PostgresStore

    PostgresStore(pg_schema.url).close()
    with psycopg.connect(pg_schema.server, connect_timeout=2, autocommit=True) as admin:
        admin.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_schema.name)))
        admin.execute("DROP TABLE incidents, incident_updates")
        admin.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        store = PostgresStore(pg_schema.url)
        try:
            store.add_incident(incident("CS-UPGR"), step("CS-UPGR", 1, IncidentStatus.NEW))
            assert store.incident("CS-UPGR") == incident("CS-UPGR")
        finally:
            store.close()
        assert admin.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
