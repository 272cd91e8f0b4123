"""Open-Meteo hourly forecasts -> hourly weather, observation rows, a WeatherForecast."""

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crowdsafety.forecast.history import WEATHER_METRICS
from crowdsafety.ingest import validate_rows
from crowdsafety.sites import load_site
from crowdsafety.sources.line_problems import FeedError
from crowdsafety.sources.open_meteo import (
    WEATHER_COLUMNS,
    HourlyWeatherForecast,
    observation_rows,
    read_forecast,
)

FIXTURES = Path(__file__).parent / "fixtures"
METEO = FIXTURES / "open_meteo"


@pytest.fixture(scope="module")
def site():
    return load_site(FIXTURES / "feed_site")


def _read(name):
    return read_forecast((METEO / name).read_bytes(), file=name)


def _doc(**hourly):
    """A small response in Amsterdam summer time with the given hourly variables."""
    units = {"time": "iso8601", "temperature_2m": "°C", "precipitation": "mm", "sunshine_duration": "s",
             "wind_speed_10m": "km/h"}
    times = ["2026-08-14T20:00", "2026-08-14T21:00", "2026-08-14T22:00"]
    return {"utc_offset_seconds": 7200, "timezone": "Europe/Amsterdam",
            "hourly_units": {k: v for k, v in units.items() if k == "time" or k in hourly},
            "hourly": {"time": times, **hourly}}


def _at(frame, text):
    return frame.loc[pd.Timestamp(text)]


def test_real_subset_local_times_units_and_valid_times():
    feed = _read("forecast_subset__frenck-python-open-meteo.json")
    assert feed.problems == ()
    hourly = feed.hourly
    assert list(hourly.columns) == list(WEATHER_COLUMNS)
    assert str(hourly.index.tz) == "UTC"
    # "2026-10-03T00:00" Europe/Amsterdam (CEST) is 2026-10-02T22:00Z; temperature 11.8 then 11.2
    row = _at(hourly, "2026-10-02T22:00Z")
    assert row["temperature_c"] == pytest.approx((11.8 + 11.2) / 2)
    assert row["wind_ms"] == pytest.approx((9.0 + 8.3) / 2 / 3.6)
    # precipitation and sunshine stamped 22:00Z are sums of the hour before: 21:00Z
    assert _at(hourly, "2026-10-02T21:00Z")["precipitation_mm"] == 0.0
    assert np.isnan(_at(hourly, "2026-10-02T21:00Z")["temperature_c"])
    assert _at(hourly, "2026-10-03T00:00Z")["temperature_c"] == pytest.approx(11.0)  # last hour: its own value


def test_real_minimal_response_without_hourly_is_one_clear_error():
    with pytest.raises(FeedError, match="no 'hourly' block; request it with hourly=temperature_2m"):
        _read("forecast_minimal__frenck-python-open-meteo.json")


def test_repeated_hour_when_summer_time_ends_is_read_in_order():
    feed = _read("forecast_scheveningen_dst_switch.json")
    doc = json.loads((METEO / "forecast_scheveningen_dst_switch.json").read_text())
    times = doc["hourly"]["time"]
    assert times.count("2026-10-25T02:00") == 2
    hourly = feed.hourly
    # 73 instants, one hour apart, plus the hour before the first for the preceding-hour sums
    assert len(hourly) == 74 and (np.diff(hourly.index.asi8) == 3_600 * 10**9).all()
    first, second = [i for i, t in enumerate(times) if t == "2026-10-25T02:00"]
    temps = doc["hourly"]["temperature_2m"]
    assert _at(hourly, "2026-10-25T00:00Z")["temperature_c"] == pytest.approx((temps[first] + temps[second]) / 2)
    assert _at(hourly, "2026-10-25T01:00Z")["temperature_c"] == pytest.approx((temps[second] + temps[second + 1]) / 2)
    # Open-Meteo's null is unknown; the hour before it falls back on its own value
    gap = pd.Timestamp("2026-10-23T22:00Z") + pd.Timedelta(hours=60)
    assert np.isnan(_at(hourly, gap)["temperature_c"])
    assert _at(hourly, gap - pd.Timedelta(hours=1))["temperature_c"] == pytest.approx(temps[59])


def test_unixtime_and_imperial_units_are_converted():
    feed = _read("forecast_scheveningen_unixtime_imperial.json")
    doc = json.loads((METEO / "forecast_scheveningen_unixtime_imperial.json").read_text())["hourly"]
    start = pd.Timestamp(doc["time"][15], unit="s", tz="UTC")
    row = _at(feed.hourly, start)
    assert row["temperature_c"] == pytest.approx(((doc["temperature_2m"][15] + doc["temperature_2m"][16]) / 2 - 32) * 5 / 9)
    assert row["wind_ms"] == pytest.approx((doc["wind_speed_10m"][15] + doc["wind_speed_10m"][16]) / 2 * 0.44704)
    assert row["precipitation_mm"] == pytest.approx(doc["precipitation"][16] * 25.4)
    assert _at(feed.hourly, start - pd.Timedelta(hours=10))["sunshine_min"] == pytest.approx(60.0)


def test_rows_for_the_hours_that_ended_validate_against_the_site(site):
    feed = _read("forecast_scheveningen_dst_switch.json")
    until = datetime(2026, 10, 25, 12, 30, tzinfo=timezone.utc)
    rows = observation_rows(site, feed.hourly, until=until)
    starts = {r["start"] for r in rows}
    assert max(starts) == "2026-10-25T11:00:00+00:00"  # 11:00-12:00 ended; 12:00-13:00 has not
    assert {r["sensor_id"] for r in rows} == {"weather-openmeteo"}
    assert {r["interval_s"] for r in rows} == {3600} and {r["quality"] for r in rows} == {"estimated"}
    assert not any(np.isnan(r["value"]) for r in rows)
    batch = validate_rows(site, rows, now=until)
    assert batch.rejected == [] and len(batch.frame) == len(rows)


def test_rows_need_the_one_weather_sensor_or_a_named_one(site):
    feed = _read("forecast_subset__frenck-python-open-meteo.json")
    with pytest.raises(FeedError, match="no weather sensor 'cam-pier'"):
        observation_rows(site, feed.hourly, until=datetime(2027, 1, 1, tzinfo=timezone.utc), sensor_id="cam-pier")
    mini = load_site(Path(__file__).parents[1] / "sites" / "fixtures" / "mini")
    rows = observation_rows(mini, feed.hourly, until=datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert {r["sensor_id"] for r in rows} == {"weather"}


def test_weather_forecast_callable_gives_every_forecast_metric_for_the_hours_asked():
    feed = _read("forecast_scheveningen_dst_switch.json")
    ahead = HourlyWeatherForecast(feed.hourly)
    hours = pd.date_range("2026-10-26T20:00Z", periods=5, freq="h")  # the last two lie beyond the forecast
    values = ahead(hours)
    assert set(values) == set(WEATHER_METRICS)
    assert all(len(v) == 5 for v in values.values())
    assert np.isfinite(values["temperature_c"][:3]).all() and np.isnan(values["temperature_c"][3:]).all()
    assert values["wind_ms"][0] == pytest.approx(_at(feed.hourly, "2026-10-26T20:00Z")["wind_ms"])


def test_unknown_and_missing_units_refuse_that_variable_only():
    doc = _doc(temperature_2m=[20.0, 19.0, 18.0], wind_speed_10m=[3.0, 4.0, 5.0], precipitation=[0, 0.2, 0])
    doc["hourly_units"]["wind_speed_10m"] = "Beaufort"
    del doc["hourly_units"]["precipitation"]
    feed = read_forecast(json.dumps(doc), file="f.json")
    messages = {p.where: p.message for p in feed.problems}
    assert messages["hourly.wind_speed_10m"] == ("unknown unit 'Beaufort' (read: km/h, m/s, mp/h, kn); "
                                                "variable left out")
    assert messages["hourly.precipitation"] == "hourly_units gives no unit; variable left out"
    assert feed.hourly["wind_ms"].isna().all() and feed.hourly["temperature_c"].notna().all()


def test_values_that_are_not_numbers_are_unknown_and_named():
    feed = read_forecast(json.dumps(_doc(temperature_2m=[20.0, "warm", True])), file="f.json")
    assert [str(p) for p in feed.problems] == [
        "f.json: hourly.temperature_2m[1]: 'warm' is not a number; hour unknown",
        "f.json: hourly.temperature_2m[2]: True is not a number; hour unknown",
    ]
    assert feed.hourly["temperature_c"].isna().sum() == 2


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.update(error=True, reason="Latitude must be in range of -90 to 90°. Given: 152.1."),
     "f.json: Open-Meteo answered with an error: Latitude must be in range"),
    (lambda d: d.update(hourly=[1, 2]), "f.json: no 'hourly' block"),
    (lambda d: d["hourly"].pop("temperature_2m"), "f.json: hourly has none of temperature_2m"),
    (lambda d: d["hourly"].update(temperature_2m=[1.0]), "f.json: none of temperature_2m could be read: 1 values for 3 times"),
    (lambda d: d["hourly"].pop("time"), "f.json: hourly.time: missing or not a list of times"),
    (lambda d: d["hourly"]["time"].__setitem__(1, "2026-08-14T20:30"), "hourly.time[1]: '2026-08-14T20:30' is not on a whole hour"),
    (lambda d: d["hourly"]["time"].__setitem__(2, "2026-08-14T19:00"), "hourly.time[2]: '2026-08-14T19:00' does not follow"),
    (lambda d: d["hourly"]["time"].__setitem__(0, "yesterday"), "hourly.time[0]: 'yesterday' is not a local time"),
    (lambda d: d["hourly"]["time"].__setitem__(0, "2026-08-14T20:00Z"), "hourly.time[0]: '2026-08-14T20:00Z' is not a local time"),
    (lambda d: d["hourly_units"].update(time="rfc822"), "hourly_units.time: unknown time format 'rfc822'"),
    (lambda d: d["hourly_units"].update(time="unixtime"), "hourly.time: unixtime must be whole seconds"),
    (lambda d: d.update(timezone="Mars/Olympus", utc_offset_seconds=None), "neither a known timezone ('Mars/Olympus')"),
])
def test_unusable_responses_are_one_clear_error(change, expected):
    doc = _doc(temperature_2m=[20.0, 19.0, 18.0])
    change(doc)
    with pytest.raises(FeedError) as info:
        read_forecast(json.dumps(doc), file="f.json")
    assert expected in str(info.value)


def test_unknown_timezone_name_falls_back_on_the_offset():
    doc = _doc(temperature_2m=[20.0, 19.0, 18.0])
    doc["timezone"] = "GMT+2"
    feed = read_forecast(json.dumps(doc), file="f.json")
    assert feed.hourly.index[0] == pd.Timestamp("2026-08-14T18:00Z")


@pytest.mark.parametrize("data, expected", [
    (b"", "f.json: empty"),
    (b"\x89PNG\r\n\x1a\n", "f.json: not UTF-8 text"),
    (b'{"hourly": {"time": ["2026-08-14T20:00"', "f.json: not valid JSON at line 1, column 40"),
    (b"[1, 2]", "f.json: not an Open-Meteo response (expected a JSON object)"),
])
def test_unreadable_bytes_are_one_clear_error(data, expected):
    with pytest.raises(FeedError) as info:
        read_forecast(data, file="f.json")
    assert str(info.value).startswith(expected)
