"""The flight register and aerial observations, per backend: round trips, duplicates skipped,
unknown flights refused, filters, registration checked and stored in one step, status changes
as compare-and-set (also with two threads racing), and the upgrade of a version-3 store in place."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import duckdb
import psycopg
import pytest
from psycopg import sql

from crowdsafety.domain import StoreError
from crowdsafety.domain.flight import (
    AerialCategory,
    AerialObservation,
    Flight,
    FlightPurpose,
    FlightStatus,
    TimeWindow,
)
from crowdsafety.store.duckdb_store import DuckDBStore
from crowdsafety.store.schema import SCHEMA_VERSION

T0 = datetime(2026, 7, 12, 10, 0, tzinfo=UTC)
AREA = {"type": "Polygon", "coordinates": [[[4.27, 52.11], [4.28, 52.11], [4.28, 52.12], [4.27, 52.12],
                                            [4.27, 52.11]]]}


def flight(flight_id: str, hours: float = 0, length_h: float = 2, **changes) -> Flight:
    start = T0 + timedelta(hours=hours)
    base = Flight(id=flight_id, site_id="scheveningen", operator="Politie Den Haag", permit="NLD-UAS-0042",
                  aircraft="DJI Matrice 30T PH-4DR", purpose=FlightPurpose.CROWD_OVERVIEW, area=AREA,
                  window=TimeWindow(start, start + timedelta(hours=length_h)), max_altitude_m=60.0,
                  registered_at=T0 - timedelta(days=1))
    return replace(base, **changes)


def seen(obs_id: str, flight_id: str = "FL-AAAAAA", minutes: int = 0, **changes) -> AerialObservation:
    base = AerialObservation(id=obs_id, flight_id=flight_id, site_id="scheveningen",
                             category=AerialCategory.CROWD_ESTIMATE, geometry=AREA,
                             at=T0 + timedelta(minutes=minutes), received_at=T0 + timedelta(hours=3), people=1200,
                             description="dense near the pier", zone_ids=("beach", "pier"))
    return replace(base, **changes)


def test_a_flight_comes_back_as_stored_and_its_status_changes(store):
    store.register_flight(flight("FL-AAAAAA"), lambda _: [])
    assert store.flight("FL-AAAAAA") == flight("FL-AAAAAA")
    assert store.flight("FL-NONE") is None
    active = replace(flight("FL-AAAAAA"), status=FlightStatus.ACTIVE, started_at=T0 + timedelta(minutes=3))
    store.update_flight(active)
    assert store.flight("FL-AAAAAA") == active
    ended = replace(active, status=FlightStatus.ENDED, ended_at=T0 + timedelta(minutes=50))
    store.update_flight(ended)
    assert store.flight("FL-AAAAAA") == ended


def test_an_update_changes_only_the_status_and_its_times(store):
    store.register_flight(flight("FL-AAAAAA"), lambda _: [])
    store.update_flight(flight("FL-AAAAAA", operator="someone else", max_altitude_m=119.0,
                               status=FlightStatus.ENDED, ended_at=T0))
    assert store.flight("FL-AAAAAA") == flight("FL-AAAAAA", status=FlightStatus.ENDED, ended_at=T0)


def test_a_second_flight_with_the_same_id_is_refused_and_nothing_changes(store):
    store.register_flight(flight("FL-AAAAAA"), lambda _: [])
    with pytest.raises(StoreError, match="flight 'FL-AAAAAA' already exists"):
        store.register_flight(flight("FL-AAAAAA", operator="Gemeente Den Haag"), lambda _: [])
    assert store.flight("FL-AAAAAA").operator == "Politie Den Haag"


def test_an_unknown_flight_cannot_be_updated(store):
    with pytest.raises(StoreError, match="unknown flight 'FL-XXXXXX'"):
        store.update_flight(flight("FL-XXXXXX", status=FlightStatus.ENDED))
    assert store.flight("FL-XXXXXX") is None


def test_a_registration_sees_the_flights_in_its_way_and_is_stored_only_when_the_check_answers_nothing(store):
    store.register_flight(flight("FL-OVER", 1), lambda _: [])
    store.register_flight(flight("FL-ENDED", 1, status=FlightStatus.ENDED, ended_at=T0), lambda _: [])
    store.register_flight(flight("FL-ELSEWH", 1, site_id="elsewhere"), lambda _: [])
    store.register_flight(flight("FL-BEFORE", -2), lambda _: [])  # [-2 h, 0 h): ends as the new one starts
    store.register_flight(flight("FL-ACTIVE", -1, status=FlightStatus.ACTIVE, started_at=T0 - timedelta(hours=1)), lambda _: [])
    seen: list[list[str]] = []

    def check(others):
        seen.append([f.id for f in others])
        return []

    assert store.register_flight(flight("FL-NEW"), check) == []
    assert seen == [["FL-ACTIVE", "FL-OVER"]]
    assert store.flight("FL-NEW") == flight("FL-NEW")
    refusals = store.register_flight(flight("FL-REFUSE"), lambda others: [f"overlaps {f.id}" for f in others])
    assert refusals == ["overlaps FL-ACTIVE", "overlaps FL-NEW", "overlaps FL-OVER"]
    assert store.flight("FL-REFUSE") is None


def test_a_registration_whose_check_fails_or_whose_id_exists_stores_nothing(store):
    store.register_flight(flight("FL-AAAAAA"), lambda _: [])

    def broken(others):
        raise ValueError("rules unreadable")

    with pytest.raises(ValueError, match="rules unreadable"):
        store.register_flight(flight("FL-BROKEN"), broken)
    with pytest.raises(StoreError, match="flight 'FL-AAAAAA' already exists"):
        store.register_flight(flight("FL-AAAAAA", 9, operator="Gemeente Den Haag"), lambda others: [])
    assert [f.id for f in store.flights()] == ["FL-AAAAAA"] and store.flight("FL-AAAAAA") == flight("FL-AAAAAA")


def test_two_threads_registering_overlapping_flights_at_once_store_one(store):
    """The check is slow, so without one atomic step both would read no other flight."""
    start = threading.Barrier(2)
    answers: dict[str, list[str]] = {}

    def slow_check(others):
        time.sleep(0.2)
        return [f.id for f in others]

    def register(flight_id: str) -> None:
        start.wait()
        answers[flight_id] = store.register_flight(flight(flight_id), slow_check)

    threads = [threading.Thread(target=register, args=(fid,)) for fid in ("FL-ONE", "FL-TWO")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    stored = [f.id for f in store.flights()]
    assert len(stored) == 1
    (loser,) = {"FL-ONE", "FL-TWO"} - set(stored)
    assert answers == {stored[0]: [], loser: stored}


def test_a_status_change_with_an_expected_status_is_a_compare_and_set(store):
    store.register_flight(flight("FL-AAAAAA"), lambda _: [])
    active = flight("FL-AAAAAA", status=FlightStatus.ACTIVE, started_at=T0)
    assert store.update_flight(active, expected=FlightStatus.REGISTERED) is True
    late = flight("FL-AAAAAA", status=FlightStatus.ACTIVE, started_at=T0 + timedelta(minutes=9))
    assert store.update_flight(late, expected=FlightStatus.REGISTERED) is False
    assert store.flight("FL-AAAAAA") == active
    ended = replace(active, status=FlightStatus.ENDED, ended_at=T0 + timedelta(hours=1))
    assert store.update_flight(ended, expected=FlightStatus.ACTIVE) is True
    assert store.update_flight(replace(ended, ended_at=T0), expected=FlightStatus.ACTIVE) is False
    assert store.flight("FL-AAAAAA") == ended
    with pytest.raises(StoreError, match="unknown flight 'FL-XXXXXX'"):
        store.update_flight(flight("FL-XXXXXX", status=FlightStatus.ACTIVE), expected=FlightStatus.REGISTERED)


def test_of_eight_threads_starting_one_flight_at_once_one_wins(store):
    store.register_flight(flight("FL-AAAAAA"), lambda _: [])
    start = threading.Barrier(8)
    won: list[int] = []

    def start_it(n: int) -> None:
        start.wait()
        if store.update_flight(flight("FL-AAAAAA", status=FlightStatus.ACTIVE, started_at=T0 + timedelta(seconds=n)),
                               expected=FlightStatus.REGISTERED):
            won.append(n)

    threads = [threading.Thread(target=start_it, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(won) == 1
    assert store.flight("FL-AAAAAA").started_at == T0 + timedelta(seconds=won[0])


def test_flights_are_listed_by_window_latest_first_and_filtered(store):
    for flight_id, hours in (("FL-A", 0), ("FL-B", 4), ("FL-C", 2), ("FL-D", 8)):
        store.register_flight(flight(flight_id, hours), lambda _: [])
    store.update_flight(flight("FL-C", 2, status=FlightStatus.ACTIVE, started_at=T0))
    assert [f.id for f in store.flights()] == ["FL-D", "FL-B", "FL-C", "FL-A"]
    assert [f.id for f in store.flights(limit=2)] == ["FL-D", "FL-B"]
    # windows [0,2) [2,4) [4,6) [8,10) hours; [2, 5) overlaps FL-C and FL-B, not FL-A ending at 2
    assert [f.id for f in store.flights(start=T0 + timedelta(hours=2), end=T0 + timedelta(hours=5))] == [
        "FL-B", "FL-C"]
    assert [f.id for f in store.flights(start=T0 + timedelta(hours=6))] == ["FL-D"]
    assert [f.id for f in store.flights(end=T0 + timedelta(hours=2))] == ["FL-A"]
    assert [f.id for f in store.flights(status=FlightStatus.ACTIVE)] == ["FL-C"]
    assert [f.id for f in store.flights(status=FlightStatus.REGISTERED, end=T0 + timedelta(hours=3))] == ["FL-A"]
    with pytest.raises(StoreError, match="time zone"):
        store.flights(start=datetime(2026, 7, 12))


def test_aerial_observations_come_back_as_stored(store):
    store.register_flight(flight("FL-AAAAAA"), lambda _: [])
    dumping = seen("ao_2", minutes=5, category=AerialCategory.ILLEGAL_DUMPING, people=None, zone_ids=(),
                   geometry={"type": "Point", "coordinates": [4.275, 52.115]}, incident_ref="CS-7KQ2M9")
    assert store.add_aerial_observations([seen("ao_1"), dumping]) == 2
    assert store.aerial_observations() == [seen("ao_1"), dumping]
    assert store.add_aerial_observations([]) == 0


def test_an_aerial_observation_stored_before_is_skipped(store):
    store.register_flight(flight("FL-AAAAAA"), lambda _: [])
    assert store.add_aerial_observations([seen("ao_1"), seen("ao_1", people=5)]) == 1
    assert store.add_aerial_observations([seen("ao_1", people=9), seen("ao_2", minutes=1)]) == 1
    assert store.aerial_observations() == [seen("ao_1"), seen("ao_2", minutes=1)]


def test_observations_of_an_unknown_flight_are_refused_and_none_is_stored(store):
    store.register_flight(flight("FL-AAAAAA"), lambda _: [])
    with pytest.raises(StoreError, match="unknown flights: FL-GHOST"):
        store.add_aerial_observations([seen("ao_1"), seen("ao_2", flight_id="FL-GHOST")])
    assert store.aerial_observations() == []


def test_aerial_observations_are_filtered_by_flight_and_time(store):
    store.register_flight(flight("FL-AAAAAA"), lambda _: [])
    store.register_flight(flight("FL-BBBBBB", 1), lambda _: [])
    store.add_aerial_observations([seen("ao_3", minutes=30), seen("ao_1", minutes=10),
                                   seen("ao_2", "FL-BBBBBB", minutes=20), seen("ao_0", minutes=10)])
    assert [o.id for o in store.aerial_observations()] == ["ao_0", "ao_1", "ao_2", "ao_3"]
    assert [o.id for o in store.aerial_observations(flight_id="FL-AAAAAA")] == ["ao_0", "ao_1", "ao_3"]
    assert [o.id for o in store.aerial_observations(start=T0 + timedelta(minutes=10),
                                                    end=T0 + timedelta(minutes=30))] == ["ao_0", "ao_1", "ao_2"]
    assert [o.id for o in store.aerial_observations(flight_id="FL-BBBBBB", start=T0 + timedelta(minutes=21))] == []
    assert [o.id for o in store.aerial_observations(limit=1)] == ["ao_0"]


def test_flights_and_observations_survive_reopening(backend):
    if not backend.persistent:
        pytest.skip("in-memory store")
    store = backend.open()
    store.register_flight(flight("FL-KEEP"), lambda _: [])
    store.add_aerial_observations([seen("ao_keep", "FL-KEEP")])
    store.close()
    store = backend.open()
    try:
        assert store.flight("FL-KEEP") == flight("FL-KEEP")
        assert store.aerial_observations() == [seen("ao_keep", "FL-KEEP")]
    finally:
        store.close()


def test_a_version_3_duckdb_file_gains_the_flight_tables(tmp_path):
    path = str(tmp_path / "v3.duckdb")
    DuckDBStore(path).close()
    con = duckdb.connect(path)  # make it look like a version-3 file
    for table in ("flights", "aerial_observations"):
        con.execute(f"DROP TABLE {table}").fetchall()
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'").fetchall()
    con.close()
    store = DuckDBStore(path)
    try:
        store.register_flight(flight("FL-UPGR"), lambda _: [])
        assert store.flight("FL-UPGR") == flight("FL-UPGR")
    finally:
        store.close()
    con = duckdb.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]
    con.close()


def test_a_version_3_postgresql_schema_gains_the_flight_tables(pg_schema):
    from crowdsafety.store.postgres_store import PostgresStore

    PostgresStore(pg_schema.url).close()
    with psycopg.connect(pg_schema.server, connect_timeout=2, autocommit=True) as admin:
        admin.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_schema.name)))
        admin.execute("DROP TABLE flights, aerial_observations")
        admin.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        store = PostgresStore(pg_schema.url)
        try:
            store.add_aerial_observations([])
            store.register_flight(flight("FL-UPGR"), lambda _: [])
            assert store.add_aerial_observations([seen("ao_1", "FL-UPGR")]) == 1
            assert store.flight("FL-UPGR") == flight("FL-UPGR")
        finally:
            store.close()
        assert admin.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
