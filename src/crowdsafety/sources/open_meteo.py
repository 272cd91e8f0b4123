"""Hourly weather from an Open-Meteo ``/v1/forecast`` JSON response.

Reads ``hourly.time`` with ``temperature_2m``, ``precipitation``, ``sunshine_duration`` and
``wind_speed_10m`` in the units ``hourly_units`` names (anything else is refused):

=====================  ==========================  ====================  =================
variable               valid time (Open-Meteo)     units read            becomes
=====================  ==========================  ====================  =================
temperature_2m         instant                     °C, °F                temperature_c, °C
precipitation          sum of the preceding hour   mm, inch              precipitation_mm
sunshine_duration      sum of the preceding hour   s                     sunshine_min
wind_speed_10m         instant                     km/h, m/s, mp/h, kn   wind_ms, m/s
=====================  ==========================  ====================  =================

The result is indexed by the UTC start of each hour: a preceding-hour sum stamped ``T`` belongs
to the hour starting ``T − 1 h``; an instant variable gives the hour [H, H + 1 h) the mean of its
values at H and H + 1 h (the value at H alone for the last hour).

Times are local wall-clock times in the response's ``timezone`` (an IANA name; the repeated
hour of a switch back from summer time is read in order) or, where that name is unknown, at
``utc_offset_seconds``; with ``timeformat=unixtime`` they are seconds since 1970 (UTC).

A response that cannot be used at all (not JSON, Open-Meteo's ``{"error": true}``, no
``hourly`` block, none of the four variables, unreadable times) raises :class:`FeedError`. A
variable with an unknown or missing unit or a wrong number of values is left out, and a value
that is not a number is unknown (NaN); each is named in ``problems``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from crowdsafety.domain import Quality, SensorKind, Site
from crowdsafety.sources.feed_problems import FeedProblem
from crowdsafety.sources.json_documents import load_json_documents
from crowdsafety.sources.line_problems import FeedError

HOUR = timedelta(hours=1)
#: The site's weather metrics, in the order of the frame's columns.
WEATHER_COLUMNS = ("temperature_c", "precipitation_mm", "sunshine_min", "wind_ms")


@dataclass(frozen=True)
class _Variable:
    metric: str
    preceding_hour: bool  # a sum over the hour before its time stamp, else an instant value
    units: dict[str, Callable[[np.ndarray], np.ndarray]]  # unit as Open-Meteo writes it -> to ours


VARIABLES: dict[str, _Variable] = {
    "temperature_2m": _Variable("temperature_c", False, {
        "°C": lambda v: v, "°F": lambda v: (v - 32.0) * 5.0 / 9.0}),
    "precipitation": _Variable("precipitation_mm", True, {
        "mm": lambda v: v, "inch": lambda v: v * 25.4}),
    "sunshine_duration": _Variable("sunshine_min", True, {"s": lambda v: v / 60.0}),
    "wind_speed_10m": _Variable("wind_ms", False, {
        "km/h": lambda v: v / 3.6, "m/s": lambda v: v, "mp/h": lambda v: v * 0.44704,
        "kn": lambda v: v * 1852.0 / 3600.0}),
}


@dataclass(frozen=True)
class WeatherFeed:
    """``hourly``: :data:`WEATHER_COLUMNS` (NaN = unknown) indexed by the UTC start of each hour."""

    file: str
    hourly: pd.DataFrame
    problems: tuple[FeedProblem, ...]


def read_forecast(data: bytes | str, *, file: str) -> WeatherFeed:
    """The hourly weather of an Open-Meteo forecast response; raises FeedError (see module doc)."""
    document = load_json_documents(data, file).documents[0][1]
    if not isinstance(document, dict):
        raise FeedError(f"{file}: not an Open-Meteo response (expected a JSON object)")
    if document.get("error") is True:
        raise FeedError(f"{file}: Open-Meteo answered with an error: {document.get('reason', 'no reason given')}")
    hourly = document.get("hourly")
    if not isinstance(hourly, dict):
        raise FeedError(f"{file}: no 'hourly' block; request it with "
                        f"hourly={','.join(VARIABLES)}")
    wanted = [name for name in VARIABLES if name in hourly]
    if not wanted:
        raise FeedError(f"{file}: hourly has none of {', '.join(VARIABLES)}")
    units = document.get("hourly_units")
    units = units if isinstance(units, dict) else {}
    stamps = _times(document, hourly.get("time"), units.get("time", "iso8601"), file)
    problems: list[FeedProblem] = []
    columns = {}
    for name in wanted:
        try:
            columns[VARIABLES[name].metric] = _column(name, hourly[name], units.get(name), stamps, file, problems)
        except _Refused as exc:
            problems.append(FeedProblem(file, f"hourly.{name}", f"{exc}; variable left out"))
    if not columns:
        raise FeedError(f"{file}: none of {', '.join(wanted)} could be read: "
                        + "; ".join(p.message for p in problems))
    frame = pd.DataFrame(columns, columns=list(WEATHER_COLUMNS), dtype=float)
    frame.index.name = "start"
    return WeatherFeed(file, frame.sort_index(), tuple(problems))


def observation_rows(site: Site, hourly: pd.DataFrame, *, until: datetime, sensor_id: str | None = None,
                     ) -> list[dict[str, Any]]:
    """Rows (as ``ingest.validate`` takes them) for the hours that ended by ``until``, for the
    site's weather sensor ``sensor_id`` (default: its only one); quality ``estimated``."""
    sensor = _weather_sensor(site, sensor_id)
    done = hourly[hourly.index + HOUR <= pd.Timestamp(until).tz_convert("UTC")]
    rows = []
    for start, values in done.iterrows():
        for metric in WEATHER_COLUMNS:
            value = values[metric]
            if math.isfinite(value):
                rows.append({"sensor_id": sensor, "start": start.isoformat(), "interval_s": 3600,
                             "metric": metric, "value": float(value), "quality": Quality.ESTIMATED.value})
    return rows


@dataclass(frozen=True)
class HourlyWeatherForecast:
    """A ``service.forecasting.WeatherForecast``: the weather of the given UTC hours from a
    forecast frame (NaN for hours it does not cover)."""

    hourly: pd.DataFrame

    def __call__(self, hours: pd.DatetimeIndex) -> dict[str, np.ndarray]:
        found = self.hourly.reindex(pd.DatetimeIndex(hours).tz_convert("UTC"))
        return {metric: found[metric].to_numpy(dtype=float) for metric in WEATHER_COLUMNS}


class _Refused(Exception):
    """One variable cannot be used."""


def _weather_sensor(site: Site, sensor_id: str | None) -> str:
    ids = [s.id for s in site.sensors if s.kind is SensorKind.WEATHER]
    if sensor_id is not None:
        if sensor_id not in ids:
            raise FeedError(f"site {site.id!r} has no weather sensor {sensor_id!r} (weather sensors: "
                            f"{', '.join(ids) or 'none'})")
        return sensor_id
    if len(ids) != 1:
        raise FeedError(f"site {site.id!r} has {len(ids)} weather sensors ({', '.join(ids) or 'none'}); "
                        "name the one for this feed")
    return ids[0]


def _times(document: dict[str, Any], raw: Any, unit: Any, file: str) -> pd.DatetimeIndex:
    """The UTC instants of ``hourly.time``: strictly increasing whole hours."""
    if not isinstance(raw, list) or not raw:
        raise FeedError(f"{file}: hourly.time: missing or not a list of times")
    try:
        if unit == "unixtime":
            if not all(isinstance(t, int) and not isinstance(t, bool) for t in raw):
                raise FeedError(f"{file}: hourly.time: unixtime must be whole seconds")
            stamps = [datetime.fromtimestamp(t, tz=timezone.utc) for t in raw]
        elif unit == "iso8601":
            stamps = _local_times(raw, _zone(document, file), file)
        else:
            raise FeedError(f"{file}: hourly_units.time: unknown time format {unit!r} (iso8601 or unixtime)")
        index = pd.DatetimeIndex(stamps).tz_convert("UTC")
    except (OverflowError, OSError, ValueError) as exc:  # a time outside the calendar or pandas' range
        raise FeedError(f"{file}: hourly.time: a time out of range ({exc})") from None
    for i in range(len(index)):
        if index[i] != index[i].floor("h"):
            raise FeedError(f"{file}: hourly.time[{i}]: {raw[i]!r} is not on a whole hour")
        if i and index[i] <= index[i - 1]:
            raise FeedError(f"{file}: hourly.time[{i}]: {raw[i]!r} does not follow {raw[i - 1]!r}")
    return index


def _zone(document: dict[str, Any], file: str) -> ZoneInfo | timezone:
    name = document.get("timezone")
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = document.get("utc_offset_seconds")
    if isinstance(offset, int) and not isinstance(offset, bool) and abs(offset) < 86_400:
        return timezone(timedelta(seconds=offset))
    raise FeedError(f"{file}: neither a known timezone ({name!r}) nor utc_offset_seconds to read the times in")


def _local_times(raw: list[Any], zone: ZoneInfo | timezone, file: str) -> list[datetime]:
    """Wall-clock texts in ``zone`` as UTC instants; of the two readings of an hour repeated at
    a switch back from summer time the one after the previous time is taken."""
    out: list[datetime] = []
    for i, text in enumerate(raw):
        try:
            naive = datetime.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            naive = None
        if naive is None or naive.tzinfo is not None:
            raise FeedError(f"{file}: hourly.time[{i}]: {text!r} is not a local time like '2026-07-05T14:00'")
        readings = sorted({naive.replace(tzinfo=zone, fold=f).astimezone(timezone.utc) for f in (0, 1)})
        later = [r for r in readings if not out or r > out[-1]]
        out.append(later[0] if later else readings[-1])
    return out


def _column(name: str, raw: Any, unit: Any, stamps: pd.DatetimeIndex, file: str,
            problems: list[FeedProblem]) -> pd.Series:
    variable = VARIABLES[name]
    if unit is None:
        raise _Refused("hourly_units gives no unit")
    if not isinstance(unit, str) or unit not in variable.units:
        raise _Refused(f"unknown unit {unit!r} (read: {', '.join(variable.units)})")
    if not isinstance(raw, list) or len(raw) != len(stamps):
        size = len(raw) if isinstance(raw, list) else "no list of"
        raise _Refused(f"{size} values for {len(stamps)} times")
    values = np.full(len(raw), np.nan)
    for i, value in enumerate(raw):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= 1e300:
            values[i] = value
        elif value is not None:
            problems.append(FeedProblem(file, f"hourly.{name}[{i}]", f"{_show(value)} is not a number; hour unknown"))
    values = variable.units[unit](values)
    if variable.preceding_hour:
        return pd.Series(values, index=stamps - HOUR)
    series = pd.Series(values, index=stamps)
    following = series.reindex(stamps + HOUR).to_numpy()
    return pd.Series(np.where(np.isnan(following), values, (values + following) / 2.0), index=stamps)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
