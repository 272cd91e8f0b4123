"""The Scheveningen demo site and its simulated summer."""

import json
from datetime import datetime, timedelta
from itertools import combinations
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
import shapely
from shapely.geometry import shape

import crowdsafety
from crowdsafety.domain import METRICS_BY_KIND, OBSERVATION_COLUMNS, SensorKind
from crowdsafety.sites import check_site, load_site
from crowdsafety.sources import scheveningen_simulator as sim
from crowdsafety.sources.events_toml import load_events

SITE_DIR = Path(crowdsafety.__file__).parent / "demo_sites" / "scheveningen"
TZ = ZoneInfo("Europe/Amsterdam")
PEOPLE = (SensorKind.ZONE_COUNT, SensorKind.LINE_COUNT, SensorKind.DEVICE_COUNT)


@pytest.fixture(scope="module")
def site():
    return load_site(SITE_DIR)


@pytest.fixture(scope="module")
def season(site):
    start, end = sim.default_season(2026)
    return sim.run(site, start=start, end=end, seed=0)


@pytest.fixture(scope="module")
def clean_august(site):
    return sim.run(site, start=datetime(2026, 8, 1, tzinfo=TZ), end=datetime(2026, 9, 1, tzinfo=TZ),
                   seed=0, faults=False)


def _series(obs: pd.DataFrame, sensor_id: str, metric: str) -> pd.Series:
    rows = obs[(obs["sensor_id"] == sensor_id) & (obs["metric"] == metric)]
    return rows.set_index("start")["value"]


def _truth(sim_run: sim.Simulation, zone_id: str) -> pd.Series:
    rows = sim_run.truth[sim_run.truth["zone_id"] == zone_id]
    return rows.set_index("start")["people"]


def _local_day(index: pd.DatetimeIndex, day: str) -> np.ndarray:
    return np.asarray(index.tz_convert(TZ).strftime("%Y-%m-%d") == day)


# --- the site folder -------------------------------------------------------------------------


def test_site_loads_without_problems():
    assert check_site(SITE_DIR) == []
    site = load_site(SITE_DIR)
    settings = (site.id, site.timezone, site.interval_s, site.night_reset_hour)
    assert settings == ("scheveningen", "Europe/Amsterdam", 300, 5)
    assert len(site.zones) >= 8


def test_zone_polygons_are_valid_disjoint_and_in_scheveningen():
    features = json.loads((SITE_DIR / "zones.geojson").read_text())["features"]
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    polygons = {}
    for f in features:
        ring = f["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1], f"{f['properties']['id']}: ring not closed"
        polygon = shape(f["geometry"])
        assert polygon.is_valid, f["properties"]["id"]
        lon_min, lat_min, lon_max, lat_max = polygon.bounds
        assert 4.24 < lon_min and lon_max < 4.30 and 52.09 < lat_min and lat_max < 52.125
        polygons[f["properties"]["id"]] = shapely.transform(polygon, lambda xy: np.column_stack(to_rd.transform(*xy.T)))
    assert len(polygons) == len(features)
    for (a, pa), (b, pb) in combinations(polygons.items(), 2):
        assert pa.intersection(pb).area < 1.0, f"{a} overlaps {b}"


def test_site_has_every_sensor_kind_and_the_required_mixes(site):
    assert {s.kind for s in site.sensors} == set(SensorKind)
    assert [s.zones for s in site.sensors if s.kind is SensorKind.WEATHER] == [()]
    assert all(s.location for s in site.sensors if not s.virtual)
    assert {s.id for s in site.sensors if s.virtual} == {f"aerial:{z.id}" for z in site.zones}
    people_kinds = {z.id: {s.kind for s in site.sensors_of_zone(z.id) if s.kind in PEOPLE} for z in site.zones}
    assert {SensorKind.LINE_COUNT} in people_kinds.values()
    assert {SensorKind.ZONE_COUNT} in people_kinds.values()
    assert any({SensorKind.ZONE_COUNT, SensorKind.DEVICE_COUNT} <= kinds for kinds in people_kinds.values())
    for s in site.sensors:
        if s.kind is SensorKind.DEVICE_COUNT:
            assert 1.5 <= s.calibration <= 3 and s.reliability >= 0.2
        if s.kind is SensorKind.PARKING:
            assert s.capacity and s.name.startswith("Parkeer")


def test_tram_stops_and_background_come_from_the_htm_data(site):
    stops = json.loads((SITE_DIR / "stops.geojson").read_text())["features"]
    codes = {f["properties"]["stop_code"]: f["properties"]["name"] for f in stops}
    assert all("HTM" in f["properties"]["source"] for f in stops)
    for s in site.sensors:
        if s.kind is SensorKind.TRANSIT:
            assert {codes[c] for c in s.properties["stop_codes"]} == {s.name.split(" (")[0]}
    background = json.loads((SITE_DIR / "coast.geojson").read_text())["features"]
    kinds = {f["properties"]["kind"] for f in background}
    assert {"sea", "coastline", "street"} <= kinds
    assert all("HTM" in f["properties"]["source"] for f in background if f["properties"]["kind"] == "street")


def test_events_file_holds_fireworks_nights_and_bad_events_are_named(site, tmp_path):
    events = load_events(site)
    fireworks = [e for e in events if "Fireworks" in e.name]
    assert len(fireworks) >= 2
    for e in fireworks:
        local = e.start.astimezone(TZ)
        assert (local.month, local.weekday() in (4, 5), local.hour) == (8, True, 21)
        assert "pier" in e.zones and e.expected_visitors >= 80_000
    assert max(e.expected_visitors for e in fireworks) >= 100_000
    (tmp_path / "events.toml").write_text('[[event]]\nid = "x"\nstart = 2026-08-01T10:00:00\n'
                                          'end = 2026-08-01T12:00:00\nzones = []\nexpected_visitors = 5\n')
    with pytest.raises(ValueError, match="events.toml: event 'x': start and end need a UTC offset"):
        load_events(tmp_path)


def test_default_season_is_june_to_august_local():
    start, end = sim.default_season(2026)
    assert start == datetime(2026, 6, 1, tzinfo=TZ) and end == datetime(2026, 9, 1, tzinfo=TZ)
    assert (end - start) == timedelta(days=92)


# --- the simulation ------------------------------------------------------------------------


def test_same_seed_same_data_other_seed_other_data(site):
    start, end = datetime(2026, 7, 4, tzinfo=TZ), datetime(2026, 7, 6, tzinfo=TZ)
    first = sim.run(site, start=start, end=end, seed=7)
    again = sim.run(site, start=start, end=end, seed=7)
    other = sim.simulate(site, start=start, end=end, seed=8)
    pd.testing.assert_frame_equal(first.observations, again.observations)
    pd.testing.assert_frame_equal(first.faults, again.faults)
    assert not first.observations["value"].equals(other["value"])
    pd.testing.assert_frame_equal(sim.simulate_truth(site, start=start, end=end, seed=7), first.truth)


def test_a_day_is_the_same_whether_simulated_alone_or_in_the_season(site, season):
    fault = season.faults.iloc[0]
    start = fault["start"].floor("D") + pd.Timedelta(hours=5)
    end = start + pd.Timedelta(hours=30)
    alone = sim.run(site, start=start.to_pydatetime(), end=end.to_pydatetime(), seed=0)
    obs = season.observations
    part = obs[(obs["start"] >= start) & (obs["start"] < end)].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone.observations, part)
    assert fault["sensor_id"] in set(alone.faults["sensor_id"])


def test_every_sensor_reports_the_metrics_of_its_kind_as_clean_values(site, season):
    obs = season.observations
    assert tuple(obs.columns) == OBSERVATION_COLUMNS
    assert str(obs["start"].dt.tz) == "UTC" and str(obs["received_at"].dt.tz) == "UTC"
    reported = obs.groupby("sensor_id")["metric"].agg(set).to_dict()
    assert not any(site.sensor(s).virtual for s in reported)  # drone estimates are not simulated
    for s in (s for s in site.sensors if not s.virtual):
        expected = set(METRICS_BY_KIND[s.kind])
        if s.kind is SensorKind.LINE_COUNT and not s.width_m:
            expected.discard("passes")
        assert reported[s.id] == expected, s.id
    whole = {m: is_whole for metrics in METRICS_BY_KIND.values() for m, is_whole in metrics.items()}
    counts = obs["value"][obs["metric"].map(whole).astype(bool)]
    assert (counts >= 0).all() and (counts == np.round(counts)).all()
    assert np.isfinite(obs["value"]).all()
    assert set(obs["quality"]) == {"ok"} and set(obs["interval_s"]) == {300}
    delay = obs["received_at"] - obs["start"] - pd.Timedelta(seconds=300)
    assert delay.min() > pd.Timedelta(0) and delay.max() < pd.Timedelta(minutes=10)
    start, end = sim.default_season(2026)
    assert obs["start"].min() == pd.Timestamp(start)
    assert obs["start"].max() == pd.Timestamp(end) - pd.Timedelta(minutes=5)


def test_weather_is_emitted_and_plausible(season, clean_august):
    obs = clean_august.observations
    temperature = _series(obs, "weather-scheveningen", "temperature_c")
    assert 5 < temperature.quantile(0.01) and temperature.quantile(0.99) < 36
    sunshine = _series(obs, "weather-scheveningen", "sunshine_min")
    night = sunshine[sunshine.index.tz_convert(TZ).hour.isin([0, 1, 2, 3])]
    assert (night == 0).all() and sunshine.max() <= 5
    days = season.weather
    assert len(days) == 92 and 17 < days["tmax_c"].mean() < 24
    assert 0.2 < (days["rain_mm"] > 0).mean() < 0.5
    assert days["tmax_c"].diff().abs().mean() < days["tmax_c"].std() * 1.2  # serially correlated
    assert days["school_holiday"].any() and not days["school_holiday"].all()


def test_a_hot_sunny_sunday_fills_the_beach_more_than_a_rainy_weekday(season):
    days = season.weather
    sundays = days[days["day_type"] == 3]
    hot = sundays["beach_weather"].idxmax()
    weekdays = days[days["day_type"] <= 1]
    rainy = weekdays["rain_mm"].idxmax()
    assert sundays.loc[hot, "tmax_c"] > 25 and weekdays.loc[rainy, "rain_mm"] > 5
    for zone, camera in (("strand_bad", "cam-strand-bad"), ("noorderstrand", "cam-noorderstrand")):
        truth = _truth(season, zone)
        hot_peak = truth[_local_day(truth.index, f"{hot:%Y-%m-%d}")].max()
        rainy_peak = truth[_local_day(truth.index, f"{rainy:%Y-%m-%d}")].max()
        assert hot_peak > 5 * rainy_peak
        counts = _series(season.observations, camera, "count")
        assert counts[_local_day(counts.index, f"{hot:%Y-%m-%d}")].median() > counts[
            _local_day(counts.index, f"{rainy:%Y-%m-%d}")].median()


def test_a_fireworks_night_peaks_late_in_the_evening_at_the_pier(site, season):
    fireworks = max((e for e in load_events(site) if "Fireworks" in e.name), key=lambda e: e.expected_visitors)
    day = f"{fireworks.start:%Y-%m-%d}"
    week_before = f"{fireworks.start - timedelta(days=7):%Y-%m-%d}"
    truth = _truth(season, "pier")
    that_night = truth[_local_day(truth.index, day)]
    peak = that_night.idxmax().tz_convert(TZ)
    assert 21 <= peak.hour <= 23
    assert that_night.max() >= 0.9 * site.zone("pier").capacity
    late = that_night[that_night.index.tz_convert(TZ).hour == 22].mean()
    before = truth[_local_day(truth.index, week_before)]
    assert late > 3 * before[before.index.tz_convert(TZ).hour == 22].mean()
    two_hours_after = pd.Timestamp(fireworks.end + timedelta(hours=2))
    assert truth[two_hours_after] < 0.1 * that_night.max()  # the crowd has left
    boardings = _series(season.observations, "tram-kurhaus", "boardings")
    assert boardings[_local_day(boardings.index, day)].idxmax().tz_convert(TZ).hour in (22, 23)


def test_every_kind_of_fault_is_injected_and_listed(season):
    assert set(season.faults["fault"]) == {"outage", "frozen", "spike", "drift"}
    assert set(season.faults.columns) == set(sim.FAULT_COLUMNS)


def test_an_outage_leaves_no_rows(season):
    obs = season.observations
    for _, f in season.faults[season.faults["fault"] == "outage"].iterrows():
        rows = obs[(obs["sensor_id"] == f["sensor_id"]) & (obs["start"] >= f["start"]) & (obs["start"] < f["end"])]
        assert rows.empty


def test_a_frozen_sensor_repeats_its_value(site, season):
    faults = season.faults
    spike_rows = faults[faults["fault"] == "spike"]
    spikes = set(zip(spike_rows["sensor_id"], spike_rows["start"]))
    longest = 0
    for _, f in faults[faults["fault"] == "frozen"].iterrows():
        metric = next(iter(METRICS_BY_KIND[site.sensor(f["sensor_id"]).kind]))
        values = _series(season.observations, f["sensor_id"], metric)
        values = values[(values.index >= f["start"]) & (values.index < f["end"])]
        values = values[[(f["sensor_id"], t) not in spikes for t in values.index]]
        assert values.nunique() <= 1
        longest = max(longest, len(values))
    assert longest >= 24


def test_a_spike_stands_out_from_its_neighbours(season):
    for _, f in season.faults[season.faults["fault"] == "spike"].iterrows():
        values = _series(season.observations, f["sensor_id"], f["metric"])
        if f["start"] in values.index:
            seconds_away = np.abs((values.index - f["start"]).total_seconds())
            neighbours = values[(seconds_away > 0) & (seconds_away <= 3600)]
            assert values[f["start"]] > 5 * neighbours.median()


def test_a_drifting_sensor_ends_off_by_its_factor(site, season):
    season_end = pd.Timestamp(sim.default_season(2026)[1])
    drift = season.faults[(season.faults["fault"] == "drift") & (season.faults["end"] < season_end)].iloc[0]
    clean = sim.run(site, start=drift["start"].to_pydatetime(), end=drift["end"].to_pydatetime(), faults=False)
    drifted = _series(season.observations, drift["sensor_id"], drift["metric"])
    drifted = drifted[(drifted.index >= drift["start"]) & (drifted.index < drift["end"])]
    undrifted = _series(clean.observations, drift["sensor_id"], drift["metric"]).reindex(drifted.index)
    last_hours = drifted.index >= drift["end"] - pd.Timedelta(hours=6)
    ratio = drifted[last_hours].sum() / undrifted[last_hours].sum()
    assert ratio == pytest.approx(1 + float(drift["detail"].split()[1]), abs=0.05)


def test_line_counters_balance_tracks_presence_but_drifts(clean_august):
    obs = clean_august.observations
    pier = _truth(clean_august, "pier")
    balance = _series(obs, "lc-pier-entrance", "in") - _series(obs, "lc-pier-entrance", "out")
    path = _truth(clean_august, "zwarte_pad")
    path_balance = (_series(obs, "lc-zwartepad-tram", "in") - _series(obs, "lc-zwartepad-tram", "out")
                    - _series(obs, "lc-zwartepad-beach", "in") + _series(obs, "lc-zwartepad-beach", "out"))
    for truth, net, counter in ((pier, balance, "lc-pier-entrance"), (path, path_balance, "lc-zwartepad-tram")):
        crossings = _series(obs, counter, "in") + _series(obs, counter, "out")
        errors = []  # persons the day's balance is off by at midnight
        for day in pd.date_range("2026-08-03", "2026-08-28", freq="D").strftime("%Y-%m-%d"):
            mask = _local_day(truth.index, day)
            estimate = truth[mask].iloc[0] + net[mask].cumsum()
            errors.append(estimate.iloc[-1] - truth[mask].iloc[-1])
            assert abs(errors[-1]) < 0.06 * crossings[mask].sum() + 30, day
        # the counters' systematic bias: the balance drifts the same way day after day
        assert abs(np.mean(errors)) > 2 * np.std(errors) / np.sqrt(len(errors))


def test_wifi_sees_a_calibrated_fraction_and_garages_fill_up_to_capacity(site, clean_august):
    obs = clean_august.observations
    devices = _series(obs, "wifi-boulevard", "devices")
    people = _truth(clean_august, "boulevard").reindex(devices.index)
    daytime = (devices.index.tz_convert(TZ).hour >= 12) & (devices.index.tz_convert(TZ).hour < 18)
    ratio = (people[daytime] / devices[daytime]).median()
    assert ratio == pytest.approx(site.sensor("wifi-boulevard").calibration, rel=0.25)
    for s in site.sensors:
        if s.kind is SensorKind.PARKING:
            occupied = _series(obs, s.id, "occupied")
            assert occupied.max() <= s.capacity and (_series(obs, s.id, "capacity") == s.capacity).all()
    full = _series(obs, "park-noordboulevard", "occupied") >= 0.97 * site.sensor("park-noordboulevard").capacity
    assert full.any() and not full.all()
