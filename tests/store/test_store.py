"""The Store contract, run against every backend in conftest.BACKENDS (DuckDB in memory and on
file, PostgreSQL). Backend specifics are in test_duckdb_store.py and test_postgres_store.py."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from crowdsafety.domain import (
    OBSERVATION_COLUMNS,
    DataStatus,
    HealthStatus,
    Level,
    SensorHealth,
    ServiceLevel,
    StoreError,
    ZoneState,
)
from crowdsafety.store import AppendResult, Store

if TYPE_CHECKING:
    from conftest import Backend

T0 = datetime(2024, 7, 1, 12, 0, tzinfo=timezone.utc)
RECEIVED = T0 + timedelta(hours=1)
FIVE_MIN = timedelta(minutes=5)
DAY = timedelta(days=1)

Row = tuple[str, datetime, int, str, float, str, datetime]


def obs(
    sensor: str = "cam-1",
    slot: int = 0,
    value: float = 10.0,
    *,
    metric: str = "count",
    quality: str = "ok",
    received: datetime = RECEIVED,
) -> Row:
    """One observation row, ``slot`` five-minute intervals after T0."""
    return (sensor, T0 + slot * FIVE_MIN, 300, metric, value, quality, received)


def frame(*rows: Row) -> pd.DataFrame:
    out = pd.DataFrame(list(rows), columns=list(OBSERVATION_COLUMNS))
    out["start"] = pd.to_datetime(out["start"], utc=True)
    out["received_at"] = pd.to_datetime(out["received_at"], utc=True)
    return out


def read(store: Store, *, latest_only: bool = True, **kwargs: object) -> list[Row]:
    got = store.observations(start=T0 - DAY, end=T0 + DAY, latest_only=latest_only, **kwargs)
    assert list(got.columns) == list(OBSERVATION_COLUMNS)
    return list(got.itertuples(index=False, name=None))


# -- observations ---------------------------------------------------------------------------------


def test_append_and_read_back_sorted_in_utc(store: Store) -> None:
    rows = [obs("cam-2", 1, 5.0), obs("cam-1", 1, 7.0, quality="estimated"), obs("cam-1", 0, 3.0)]
    result = store.append_observations(frame(*rows))
    assert result == AppendResult(inserted=3, duplicates=0, corrections=0)
    got = store.observations(start=T0 - DAY, end=T0 + DAY)
    assert str(got["start"].dt.tz) == "UTC" and str(got["received_at"].dt.tz) == "UTC"
    assert got["interval_s"].dtype == "int64" and got["value"].dtype == "float64"
    assert read(store) == [rows[2], rows[1], rows[0]]


def test_non_utc_input_is_stored_as_the_same_instant(store: Store) -> None:
    batch = frame(obs())
    batch["start"] = batch["start"].dt.tz_convert("Europe/Amsterdam")
    store.append_observations(batch)
    assert read(store)[0][1] == T0


def test_range_is_half_open_and_sensor_filter_applies(store: Store) -> None:
    store.append_observations(frame(obs("a", 0), obs("a", 1), obs("a", 2), obs("b", 1)))
    got = store.observations(start=T0 + FIVE_MIN, end=T0 + 2 * FIVE_MIN)
    assert list(got["sensor_id"]) == ["a", "b"]
    assert [r[0] for r in read(store, sensor_ids=["b"])] == ["b"]
    assert read(store, sensor_ids=[]) == []


def test_exact_duplicate_is_ignored_against_stored_and_within_batch(store: Store) -> None:
    store.append_observations(frame(obs("a", 0), obs("a", 1)))
    later = RECEIVED + timedelta(hours=1)
    again = frame(obs("a", 0, received=later), obs("a", 2), obs("a", 2, received=later))
    assert store.append_observations(again) == AppendResult(inserted=1, duplicates=2, corrections=0)
    assert read(store, latest_only=False) == [obs("a", 0), obs("a", 1), obs("a", 2)]


def test_correction_is_stored_and_the_latest_received_wins(store: Store) -> None:
    store.append_observations(frame(obs("a", 0, 10.0)))
    fixed = obs("a", 0, 12.0, received=RECEIVED + timedelta(minutes=10))
    assert store.append_observations(frame(fixed)) == AppendResult(0, 0, 1)
    assert read(store) == [fixed]
    assert read(store, latest_only=False) == [obs("a", 0, 10.0), fixed]


def test_equal_received_at_falls_back_to_arrival_order(store: Store) -> None:
    store.append_observations(frame(obs("a", 0, 10.0)))
    store.append_observations(frame(obs("a", 0, 12.0)))
    assert read(store) == [obs("a", 0, 12.0)]


def test_earlier_received_correction_is_kept_but_not_latest(store: Store) -> None:
    store.append_observations(frame(obs("a", 0, 10.0)))
    late_copy = obs("a", 0, 9.0, received=RECEIVED - timedelta(hours=1))
    assert store.append_observations(frame(late_copy)).corrections == 1
    assert read(store) == [obs("a", 0, 10.0)]


def test_same_key_twice_in_a_batch_stores_both_in_batch_order(store: Store) -> None:
    result = store.append_observations(frame(obs("a", 0, 1.0), obs("a", 0, 2.0)))
    assert result == AppendResult(inserted=1, duplicates=0, corrections=1)
    assert read(store) == [obs("a", 0, 2.0)]
    assert len(read(store, latest_only=False)) == 2


def test_replaying_an_old_value_is_a_duplicate_not_a_correction(store: Store) -> None:
    store.append_observations(frame(obs("a", 0, 1.0)))
    store.append_observations(frame(obs("a", 0, 2.0)))
    assert store.append_observations(frame(obs("a", 0, 1.0))) == AppendResult(0, 1, 0)
    assert read(store) == [obs("a", 0, 2.0)]


def test_mixed_batch_loses_nothing(store: Store) -> None:
    store.append_observations(frame(obs("a", 0, 1.0), obs("a", 1, 1.0), obs("b", 0, 4.0)))
    batch = [
        obs("a", 0, 1.0),  # duplicate of stored
        obs("a", 1, 2.0),  # correction of stored
        obs("a", 2, 3.0),  # new
        obs("a", 2, 3.5),  # correction within the batch
        obs("a", 2, 3.0),  # duplicate within the batch
        obs("b", 0, 4.0, metric="devices"),  # new: another metric
        obs("c", 5, 0.0),  # new sensor
    ]
    result = store.append_observations(frame(*batch))
    assert result == AppendResult(inserted=3, duplicates=2, corrections=2)
    assert result.inserted + result.duplicates + result.corrections == len(batch)
    assert len(read(store, latest_only=False)) == 3 + 5
    latest = {(r[0], r[1], r[3]): r[4] for r in read(store)}
    assert latest[("a", T0 + FIVE_MIN, "count")] == 2.0
    assert latest[("a", T0 + 2 * FIVE_MIN, "count")] == 3.5
    assert latest[("b", T0, "devices")] == 4.0 and latest[("b", T0, "count")] == 4.0


def test_out_of_order_batches(store: Store) -> None:
    store.append_observations(frame(obs("a", 10), obs("b", 12)))
    store.append_observations(frame(obs("a", 3), obs("b", 1)))
    store.append_observations(frame(obs("a", 7), obs("a", 3)))
    assert [(r[0], r[1]) for r in read(store)] == [
        ("a", T0 + 3 * FIVE_MIN),
        ("a", T0 + 7 * FIVE_MIN),
        ("a", T0 + 10 * FIVE_MIN),
        ("b", T0 + FIVE_MIN),
        ("b", T0 + 12 * FIVE_MIN),
    ]
    assert store.observation_span() == (T0 + FIVE_MIN, T0 + 12 * FIVE_MIN)
    assert store.last_seen() == {"a": T0 + 10 * FIVE_MIN, "b": T0 + 12 * FIVE_MIN}


def test_empty_store_answers_empty(store: Store) -> None:
    assert store.observation_span() is None
    assert store.last_seen() == {}
    got = store.observations(start=T0, end=T0 + DAY)
    assert got.empty and list(got.columns) == list(OBSERVATION_COLUMNS)
    assert str(got["start"].dt.tz) == "UTC"
    assert store.append_observations(frame()) == AppendResult(0, 0, 0)


def test_bad_batch_raises_and_stores_nothing(store: Store) -> None:
    store.append_observations(frame(obs("a", 0)))
    bad = frame(obs("a", 1), obs("a", 2))
    bad["sensor_id"] = bad["sensor_id"].astype(object)
    bad.loc[1, "sensor_id"] = None
    with pytest.raises(StoreError, match="sensor_id"):
        store.append_observations(bad)
    with pytest.raises(StoreError, match="value"):
        store.append_observations(frame(obs("a", 1)).drop(columns=["value"]))
    assert read(store, latest_only=False) == [obs("a", 0)]
    assert store.append_observations(frame(obs("a", 1))) == AppendResult(1, 0, 0)


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="time zone"):
        store.observations(start=datetime(2024, 7, 1), end=T0)
    naive = frame(obs())
    naive["start"] = naive["start"].dt.tz_localize(None)
    with pytest.raises(StoreError, match="'start' must hold tz-aware"):
        store.append_observations(naive)
    assert store.observation_span() is None


def test_concurrent_appends_and_reads_from_threads(store: Store) -> None:
    errors: list[BaseException] = []

    def work(sensor: str) -> None:
        try:
            for slot in range(10):
                store.append_observations(frame(obs(sensor, slot)))
                store.observations(start=T0, end=T0 + DAY, sensor_ids=[sensor])
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"s{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(read(store)) == 4 * 10


def test_closed_store_refuses_work(store: Store) -> None:
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.last_seen()
    store.close()


# -- zone states and sensor health ----------------------------------------------------------------


def state(
    zone: str = "pier", slot: int = 0, people: float | None = 120.5, **kw: object
) -> ZoneState:
    """A zone state ``slot`` intervals after T0; ``people=None`` gives a no-data state."""
    fields: dict[str, object] = dict(
        zone_id=zone,
        start=T0 + slot * FIVE_MIN,
        interval_s=300,
        people=people,
        density=None if people is None else people / 1000,
        level=None if people is None else Level.YELLOW,
        service_level=None if people is None else ServiceLevel.D,
        status=DataStatus.NO_DATA if people is None else DataStatus.REDUCED,
        sources=() if people is None else ("cam-1", "line-2"),
        inflow=None if people is None else 30.0,
        outflow=None,
        flow=None,
        drift=None if people is None else -2.25,
        uncertainty=None if people is None else 11.0,
    )
    fields.update(kw)
    return ZoneState(**fields)  # type: ignore[arg-type]


def test_zone_states_round_trip_exactly(store: Store) -> None:
    states = [state("pier", 0), state("pier", 1, None), state("beach", 0, 3.0, sources=("x",))]
    store.put_zone_states(states)
    got = store.zone_states(start=T0 - DAY, end=T0 + DAY)
    assert got == [states[2], states[0], states[1]]
    assert isinstance(got[1].level, Level) and got[1].sources == ("cam-1", "line-2")
    assert got[2].people is None and got[2].level is None and got[2].sources == ()
    assert store.zone_states(start=T0, end=T0 + FIVE_MIN, zone_ids=["pier"]) == [states[0]]


def test_zone_states_are_replaced_per_zone_and_start(store: Store) -> None:
    store.put_zone_states([state("pier", 0), state("pier", 1)])
    amsterdam_time = (T0 + FIVE_MIN).astimezone(ZoneInfo("Europe/Amsterdam"))
    replacement = state("pier", 1, 900.0, start=amsterdam_time, level=Level.RED)
    store.put_zone_states([replacement])
    got = store.zone_states(start=T0 - DAY, end=T0 + DAY)
    assert got == [state("pier", 0), replacement]
    assert got[1].level is Level.RED and got[1].start.tzinfo == timezone.utc


def test_latest_zone_states_at(store: Store) -> None:
    assert store.latest_zone_states() == {}
    store.put_zone_states([state("pier", 0), state("pier", 2), state("beach", 1), state("dune", 3)])
    assert store.latest_zone_states() == {
        "pier": state("pier", 2),
        "beach": state("beach", 1),
        "dune": state("dune", 3),
    }
    assert store.latest_zone_states(T0 + FIVE_MIN) == {
        "pier": state("pier", 0),
        "beach": state("beach", 1),
    }
    assert store.latest_zone_states(T0 - FIVE_MIN) == {}


def test_sensor_health_round_trip_and_replace(store: Store) -> None:
    first = [
        SensorHealth("cam-1", T0, HealthStatus.OK, last_seen=T0 - FIVE_MIN),
        SensorHealth("cam-2", T0, HealthStatus.NO_DATA, detail="never reported"),
    ]
    store.put_sensor_health(first)
    assert store.sensor_health() == {h.sensor_id: h for h in first}
    stale = SensorHealth("cam-1", T0 + DAY, HealthStatus.STALE, T0, "no data for 4 intervals")
    store.put_sensor_health([stale])
    assert store.sensor_health() == {"cam-1": stale, "cam-2": first[1]}


# -- persistence ----------------------------------------------------------------------------------


def test_reopened_store_has_everything(backend: Backend) -> None:
    if not backend.persistent:
        pytest.skip(f"{backend.name} keeps nothing after close")
    first = backend.open()
    first.append_observations(frame(obs("a", 0, 1.0), obs("a", 0, 2.0), obs("b", 1)))
    first.put_zone_states([state("pier", 0), state("pier", 1, None)])
    health = SensorHealth("a", T0, HealthStatus.FROZEN, T0, "same value for 12 intervals")
    first.put_sensor_health([health])
    first.close()

    second = backend.open()
    try:
        assert read(second, latest_only=False) == [obs("a", 0, 1.0), obs("a", 0, 2.0), obs("b", 1)]
        states = second.zone_states(start=T0, end=T0 + DAY)
        assert states == [state("pier", 0), state("pier", 1, None)]
        assert second.sensor_health() == {"a": health}
        # Arrival order continues across reopening: a new value with the same received_at wins.
        second.append_observations(frame(obs("a", 0, 3.0)))
        assert read(second, sensor_ids=["a"]) == [obs("a", 0, 3.0)]
    finally:
        second.close()
