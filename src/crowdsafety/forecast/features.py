"""Features of one forecast row: zone ``z``, target hour ``t``, horizon ``h`` (origin ``o = t - h + 1``).

Every value of the series a feature reads lies before the origin (index < ``o``): lags of the
target hour a whole number of weeks back (``w1``-``w4``, the 8-week median ``p8``) and of the
same hour on the last days known at the origin (``d1``, ``d2``, their 7-day mean), the level and
anomaly of the days before the origin, the last hours before it, last year's change around the
same date, how far the weekly shape of the same hour drifted from its lag in the same weeks of
the last three years (beyond the nowcast), and across zones the city-wide anomaly and, for the
nowcast, that of the zones moving most like it (its *neighbours*, chosen on the history the
model learns from). Calendar, weather and planned events describe the target hour itself: they
are known ahead (the weather as a forecast). A planned event also brings what its earlier
occurrences did (its *analog*: the anomaly at the same hour of the last three events of the same
name in the zone, each ended a week before it began).

Lags go back whole days or weeks of *local* clock time (the same local hour last week, also
across a daylight-saving change); a lag that would land at or after the origin is unknown.
Series values enter as ``log1p``. Lag features assume ``h <= 168``; the models keep to that.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crowdsafety.forecast.calendar import HolidayCalendar, calendar_features
from crowdsafety.forecast.history import History

#: Hours a forecast may reach beyond the end of its history.
MAX_HORIZON = 168
WEEK = 168
YEAR_WEEKS = 364  # days: the same weekday last year
YEAR_DAYS = 365  # days: the same date last year
#: Years back whose seasonal drift of the weekly shape a forecast beyond 3 h reads (``shape_drift``).
DRIFT_YEARS = 3
#: Earlier occurrences of a planned event whose effect the forecast of the next one averages.
ANALOGS = 3
CATEGORICAL = ("zone",)
#: Zones whose last hours a zone's nowcast reads: those whose hourly anomaly correlates most with its own.
NEIGHBOURS = 3

#: Series features (log1p) a model sees relative to the first guess (:meth:`FeatureBuilder.relative`).
RELATIVE = ("w1", "w2", "wmean", "p8", "pred0", "pred_mix", "d1", "d2", "dmean7", "last1", "last2", "last3",
            "trans4", "dtrans7", "trans_mix", "level24", "level168", "y52w_sn", "y365_sn")
#: Series features a model sees only relative to the first guess, not as they are (with the first
#: guess itself they can be told from their relative forms; w3 and w4 enter through wmean).
HIDDEN = frozenset(RELATIVE) - {"last1"} | {"w3", "w4"}

#: Features the models may only use with a non-negative effect.
INCREASING = ("event_rate",)


def correlated_zones(anomaly: np.ndarray, k: int = NEIGHBOURS, min_hours: int = 500) -> np.ndarray:
    """Per zone (row of ``anomaly``, zones x hours) the indices of the ``k`` other zones whose
    anomaly correlates most with its own over the hours both know (at least ``min_hours``); -1
    where fewer zones qualify."""
    n = anomaly.shape[0]
    corr = pd.DataFrame(anomaly.T).corr(min_periods=min_hours).to_numpy() if n > 1 else np.full((n, n), np.nan)
    np.fill_diagonal(corr, np.nan)
    corr = np.where(np.isnan(corr), -np.inf, corr)
    best = np.argsort(-corr, axis=1, kind="stable")[:, :k]
    out = np.where(np.take_along_axis(corr, best, axis=1) > -np.inf, best, -1)
    return np.pad(out, ((0, 0), (0, k - out.shape[1])), constant_values=-1)


def _nanmean(stack: np.ndarray) -> np.ndarray:
    """Mean over the first axis of the known values; NaN, without a warning, where none is known
    (no ``warnings.catch_warnings``: the service builds features in a background thread beside
    the request threads, and that context manager changes process-wide state)."""
    known = ~np.isnan(stack)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(known, stack, 0.0).sum(axis=0) / known.sum(axis=0)


def _nanmedian(stack: np.ndarray) -> np.ndarray:
    """Median over the first axis of the known values; NaN, without a warning, where none is known."""
    count = (~np.isnan(stack)).sum(axis=0)
    ordered = np.sort(stack, axis=0)  # NaN sorts last
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0)[None], axis=0)[0]
    high = np.take_along_axis(ordered, (count // 2)[None], axis=0)[0]
    return np.where(count > 0, (low + high) / 2, np.nan)


class FeatureBuilder:
    """Precomputes lags and calendars of a :class:`History` once; :meth:`rows` builds features."""

    def __init__(self, history: History, calendar: HolidayCalendar | None, neighbours: np.ndarray | None = None):
        """``neighbours``: per zone the indices of its neighbours (-1: none), as a model learnt
        them; by default chosen on ``history`` itself (see :func:`correlated_zones`)."""
        self.history = history
        n_zones, n = history.values.shape
        self.width = n + MAX_HORIZON + 1  # targets may reach a week past the data
        pad = np.full((n_zones, self.width - n), np.nan)
        self.log = np.concatenate([np.log1p(np.maximum(history.values, 0.0)), pad], axis=1)
        known = ~np.isnan(self.log)
        self._sum = np.concatenate([np.zeros((n_zones, 1)), np.cumsum(np.where(known, np.expm1(self.log), 0.0), 1)], 1)
        self._count = np.concatenate([np.zeros((n_zones, 1)), np.cumsum(known, 1)], 1)
        times = history.time_of(np.arange(self.width))
        wall = times.tz_convert(history.timezone).tz_localize(None)
        self._offset = ((wall - times.tz_localize(None)) // pd.Timedelta(hours=1)).to_numpy().astype(np.int64)
        every = np.arange(self.width)
        self.p8 = _nanmedian(np.stack([self._gather(self.log, self.back(every, 7 * k)) for k in range(1, 9)]))
        self.anomaly = self.log - self.p8
        a_known = ~np.isnan(self.anomaly)
        self._a_sum = np.concatenate([np.zeros((n_zones, 1)), np.cumsum(np.where(a_known, self.anomaly, 0.0), 1)], 1)
        self._a_count = np.concatenate([np.zeros((n_zones, 1)), np.cumsum(a_known, 1)], 1)
        self.city = _nanmean(self.log - self._gather(self.log, self.back(every, 7)))
        self.city_anomaly = _nanmean(self.anomaly)
        self.shape = self.log - self._centred_week_level()
        #: the mean weekly shape of the same hour 2-9 weeks before (always before any origin)
        self.shape8 = _nanmean(np.stack([self._gather(self.shape, self.back(every, 7 * k)) for k in range(2, 10)]))
        self.drift = self._shape_drift()
        self.calendar = calendar_features(history.time_of(np.arange(self.width)), history.timezone, calendar)
        self._zone_index = {zone: i for i, zone in enumerate(history.zone_ids)}
        self.weather = self._weather()
        self.events = self._events()
        self.analog = self._event_analogs()
        self.zone_scale = self._zone_scale()
        self.neighbours = correlated_zones(self.anomaly) if neighbours is None else np.asarray(neighbours)

    # -- precomputation ---------------------------------------------------------------------------

    def back(self, i: np.ndarray, days: int | np.ndarray) -> np.ndarray:
        """Index of the hour with the same local clock time ``days`` days before hour ``i``
        (negative: before the grid)."""
        j = np.asarray(i) - 24 * np.asarray(days)
        inside = (j >= 0) & (j < self.width)
        shift = np.where(inside, self._offset[np.clip(i, 0, self.width - 1)] - self._offset[np.clip(j, 0, self.width - 1)], 0)
        return j + shift

    def _gather(self, table: np.ndarray, j: np.ndarray) -> np.ndarray:
        """``table[:, j]`` for every zone, NaN where ``j`` is off the grid."""
        ok = (j >= 0) & (j < self.width)
        out = np.full(table.shape, np.nan)
        out[:, ok] = table[:, j[ok]]
        return out

    def _window_mean(self, z: np.ndarray, a: np.ndarray, b: np.ndarray, min_count: int = 1) -> np.ndarray:
        """log1p of the mean of hours [a, b) of zone z (NaN with fewer than ``min_count`` known)."""
        a = np.clip(a, 0, self.width)
        b = np.clip(b, 0, self.width)
        count = self._count[z, b] - self._count[z, a]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (self._sum[z, b] - self._sum[z, a]) / count
        return np.log1p(np.where(count >= min_count, mean, np.nan))

    def _centred_week_level(self) -> np.ndarray:
        n_zones = self.log.shape[0]
        idx = np.arange(self.width)
        out = np.empty_like(self.log)
        for z in range(n_zones):
            zz = np.full(self.width, z)
            out[z] = self._window_mean(zz, idx - WEEK // 2, idx + WEEK // 2, min_count=WEEK // 2)
        return out

    def _shape_drift(self) -> np.ndarray:
        """Per zone and hour: the median, over the same weekday and hour 1..``DRIFT_YEARS`` years
        of 52 weeks before, of how far the weekly shape then lay above its mean over the 2-9 weeks
        before (the lag the first guess reads, ``shape8``); in spring, for one, evenings grow
        busier than the weeks before showed. Every value lies at least 51 weeks before the hour."""
        every = np.arange(self.width)
        miss = self.shape - self.shape8
        years = [self._gather(miss, self.back(every, YEAR_WEEKS * y)) for y in range(1, DRIFT_YEARS + 1)]
        return _nanmedian(np.stack(years))

    def _weather(self) -> dict[str, np.ndarray]:
        """Hourly weather on the extended grid, plus daily max temperature, sunshine and rain of
        the local day (a forecast's view of the day)."""
        out: dict[str, np.ndarray] = {}
        for metric, values in self.history.weather.items():
            arr = np.full(self.width, np.nan)
            k = min(len(values), self.width)
            arr[:k] = values[:k]
            out[metric] = arr
        if not out:
            return out
        local_day = self.history.time_of(np.arange(self.width)).tz_convert(self.history.timezone).tz_localize(None).normalize()
        day_codes = pd.factorize(local_day)[0]
        for metric, how, name in (("temperature_c", "max", "day_max_temperature_c"),
                                  ("sunshine_min", "sum", "day_sunshine_min"),
                                  ("precipitation_mm", "sum", "day_precipitation_mm")):
            if metric in out:
                series = pd.Series(out[metric]).groupby(day_codes)
                agg = series.max() if how == "max" else series.sum(min_count=1)
                out[name] = agg.to_numpy()[day_codes]
        return out

    def _events(self) -> np.ndarray:
        """Visitors per hour of planned events per zone and hour (zones x extended grid)."""
        rate = np.zeros((len(self.history.zone_ids), self.width))
        for event in self.history.events:
            a, b = self._span(event)
            zones = [self._zone_index[z] for z in event.zones if z in self._zone_index]
            if not zones or b <= 0 or a >= self.width:
                continue
            per_hour = event.expected_visitors / max((pd.Timestamp(event.end) - pd.Timestamp(event.start)) / pd.Timedelta(hours=1), 1.0)
            rate[zones, max(a, 0):min(b, self.width)] += per_hour / len(zones)
        return rate

    def _span(self, event) -> tuple[int, int]:
        """Grid indices [a, b) of the hours an event touches (may lie outside the grid)."""
        end = pd.Timestamp(event.end) - pd.Timedelta(microseconds=1)
        return self.history.index_of(event.start), self.history.index_of(end) + 1

    def _event_analogs(self) -> np.ndarray:
        """Per zone and hour of a planned event: the mean anomaly (log1p value minus the 8-week
        median ``p8``) at the same hour of the event's last ``ANALOGS`` earlier occurrences (events
        of the same name in the same zone) that ended at least ``MAX_HORIZON`` hours before it
        began, so every forecast of it could know them; NaN outside events or without any."""
        out = np.full((len(self.history.zone_ids), self.width), np.nan)
        series: dict[str, list] = {}
        for event in sorted(self.history.events, key=lambda e: pd.Timestamp(e.start)):
            series.setdefault(event.name, []).append((event, self._span(event)))
        for occurrences in series.values():
            for k, (event, (a, b)) in enumerate(occurrences):
                earlier = [(e, span) for e, span in occurrences[:k] if span[1] + MAX_HORIZON <= a][-ANALOGS:]
                hours = np.arange(max(a, 0), min(b, self.width))
                for zone in event.zones:
                    z = self._zone_index.get(zone)
                    past = [self._anomaly_within(z, hours - a + start, end)
                            for e, (start, end) in earlier if z is not None and zone in e.zones]
                    if past and len(hours):
                        out[z, hours] = _nanmean(np.stack(past))
        return out

    def _anomaly_within(self, z: int, j: np.ndarray, end: int) -> np.ndarray:
        """The anomaly of zone ``z`` at hours ``j``; NaN at or after ``end`` or before the grid."""
        inside = (j >= 0) & (j < end)
        return np.where(inside, self.anomaly[z, np.clip(j, 0, self.width - 1)], np.nan)

    def _zone_scale(self) -> np.ndarray:
        """Per zone and hour: log1p of the mean of the 4 weeks before it (a fallback level)."""
        idx = np.arange(self.width)
        return np.vstack([self._window_mean(np.full(self.width, z), idx - 4 * WEEK, idx) for z in range(self.log.shape[0])])

    # -- rows -------------------------------------------------------------------------------------

    def at(self, z: np.ndarray, i: np.ndarray, table: np.ndarray | None = None) -> np.ndarray:
        """``table[z, i]`` (default: log1p of the values); NaN outside the grid."""
        table = self.log if table is None else table
        ok = (i >= 0) & (i < self.width)
        out = np.full(len(z), np.nan)
        out[ok] = table[z[ok], i[ok]]
        return out

    def _city(self, i: np.ndarray, table: np.ndarray | None = None) -> np.ndarray:
        """``table[i]`` (default: the city-wide change against last week); NaN before the grid."""
        table = self.city if table is None else table
        return np.where(i >= 0, table[np.clip(i, 0, self.width - 1)], np.nan)

    def rows(self, z: np.ndarray, t: np.ndarray, h: np.ndarray) -> dict[str, np.ndarray]:
        """Features of rows (zone index, target index, horizon); arrays of equal length."""
        z, t, h = (np.asarray(a, dtype=np.int64) for a in (z, t, h))
        if len(h) and (h.min() < 1 or h.max() > MAX_HORIZON):
            raise ValueError(f"horizons must lie in 1..{MAX_HORIZON}")
        if len(t) and (t.min() < 0 or t.max() >= self.width):
            raise ValueError(f"targets must lie on the history's hours or at most {MAX_HORIZON} h after them")
        o = t - h + 1
        at = self.at
        f: dict[str, np.ndarray] = {"zone": z.astype(float)}
        for name, values in self.calendar.items():
            f[name] = values[t]
        f["horizon"] = h.astype(float)
        f["origin_hour"] = self.calendar["hour"][np.clip(o, 0, self.width - 1)]

        def lag(i: np.ndarray, days: int | np.ndarray, table: np.ndarray | None = None) -> np.ndarray:
            j = self.back(i, days)
            return np.where(j < o, at(z, j, table), np.nan)

        weeks = [lag(t, 7 * k) for k in range(1, 5)]
        for k, value in enumerate(weeks, 1):
            f[f"w{k}"] = value
        f["wmean"] = _nanmean(np.stack(weeks))
        f["p8"] = np.where(self.back(t, 7) < o, at(z, t, self.p8), np.nan)
        f["shape8"] = at(z, t, self.shape8)
        f["level168"] = self._window_mean(z, o - WEEK, o)
        f["pred0"] = f["level168"] + f["shape8"]
        f["pred_mix"] = _nanmean(np.stack([f["pred0"], f["p8"]]))
        first_day = (h + 23) // 24
        days = [lag(t, first_day + k) for k in range(7)]
        f["d1"], f["d2"] = days[0], days[1]
        f["dmean7"] = _nanmean(np.stack(days))
        last = [at(z, o - k) for k in (1, 2, 3)]
        f["last1"], f["last2"], f["last3"] = last
        f["last1_w1"] = last[0] - lag(o - 1, 7)  # the latest hour against the same hour last week
        f["last1_d1"] = last[0] - lag(o - 1, 1)  # ... and against yesterday
        f["trend3"] = last[0] - last[2]  # the last three hours' trend
        f["trans4"] = last[0] + _nanmean(np.stack([w - lag(o - 1, 7 * k) for k, w in enumerate(weeks, 1)]))
        daily = _nanmean(np.stack([lag(t, k) - lag(o - 1, k) for k in range(1, 8)]))
        f["dtrans7"] = np.where(h <= 24, last[0] + daily, np.nan)
        f["an1"] = at(z, o - 1, self.anomaly)
        soon = h <= 3  # how the anomaly moved over the last hours tells the next few hours only
        f["an2"] = np.where(soon, at(z, o - 2, self.anomaly), np.nan)
        f["an3"] = np.where(soon, at(z, o - 3, self.anomaly), np.nan)
        f["trans_mix"] = _nanmean(np.stack([f["dtrans7"], f["trans4"]]))
        f["an24"] = self._anomaly_mean(z, o - 24, o)
        f["an168"] = self._anomaly_mean(z, o - WEEK, o)
        f["level24"] = self._window_mean(z, o - 24, o)
        f["a24"] = f["level24"] - _nanmean(np.stack([self._window_mean(z, o - 24 - WEEK * k, o - WEEK * k) for k in range(1, 5)]))
        f["a168"] = f["level168"] - self._window_mean(z, o - 3 * WEEK, o - WEEK)
        f["city_a1"] = self._city(o - 1)
        f["city_a24"] = _nanmean(np.stack([self._city(o - k) for k in range(1, 25)]))
        f["city_an1"] = self._city(o - 1, self.city_anomaly)
        f["city_an2"] = np.where(soon, self._city(o - 2, self.city_anomaly), np.nan)
        f["nbr_an1"], f["nbr_an_change"] = self._neighbour_anomaly(z, o, soon)
        for name, days in (("y52w", YEAR_WEEKS), ("y365", YEAR_DAYS)):
            f[f"{name}_sn"] = weeks[0] + lag(t, days) - lag(t, days + 7)
        f["y52w"] = lag(t, YEAR_WEEKS)
        year = self.back(t, YEAR_WEEKS)
        year_origin = self.back(o, YEAR_WEEKS)
        f["y52w_trend"] = self._window_mean(z, year - 12, year + 12) - self._window_mean(z, year_origin - WEEK, year_origin)
        f["shape_drift"] = np.where(soon, np.nan, at(z, t, self.drift))
        for name, values in self.weather.items():
            f[name] = values[t]
        if self.history.events:
            f["event_rate"] = np.log1p(self.events[z, t])
            f["event_next_hour"] = np.log1p(self.events[z, np.minimum(t + 1, self.width - 1)])
            f["event_last_hour"] = np.log1p(self.events[z, np.maximum(t - 1, 0)])
            f["event_analog"] = at(z, t, self.analog)
            f["event_analog_last"] = at(z, o - 1, self.analog)
        return f

    def _neighbour_anomaly(self, z: np.ndarray, o: np.ndarray, soon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean anomaly of zone ``z``'s neighbours in the hour before the origin, and how it
        changed since the hour before that; NaN beyond 3 h ahead or without neighbours."""
        mean, change = np.full(len(z), np.nan), np.full(len(z), np.nan)
        if not soon.any():
            return mean, change
        other = self.neighbours[z[soon]]  # rows x neighbours, -1 where none
        zone, origin = np.maximum(other, 0).ravel(), np.repeat(o[soon], other.shape[1])
        last = np.where(other >= 0, self.at(zone, origin - 1, self.anomaly).reshape(other.shape), np.nan)
        before = np.where(other >= 0, self.at(zone, origin - 2, self.anomaly).reshape(other.shape), np.nan)
        mean[soon] = _nanmean(last.T)
        change[soon] = mean[soon] - _nanmean(before.T)
        return mean, change

    def _anomaly_mean(self, z: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a = np.clip(a, 0, self.width)
        b = np.clip(b, 0, self.width)
        count = self._a_count[z, b] - self._a_count[z, a]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, (self._a_sum[z, b] - self._a_sum[z, a]) / count, np.nan)

    @staticmethod
    def relative(features: dict[str, np.ndarray], base: np.ndarray) -> dict[str, np.ndarray]:
        """The features a model correcting the first guess (``base``) sees: the first guess, the
        series features as differences from it (sparing the trees the subtraction) instead of as
        they are, and every other feature unchanged. Fewer columns train faster (a fifth of the
        time) at the same accuracy."""
        out = {name: value for name, value in features.items() if name not in HIDDEN}
        out.update({f"{name}_rel": features[name] - base for name in RELATIVE if name in features})
        out["base"] = base
        return out

    def base(self, features: dict[str, np.ndarray], z: np.ndarray, t: np.ndarray, h: np.ndarray) -> np.ndarray:
        """A first guess of log1p(value) that a model corrects: for the nowcast the last hour
        moved like the days and weeks before (the mean of both transfers), up to a day ahead the
        recent level times the weekly shape, beyond that its mean with the 8-week median; falling
        back to the weekly lags and the level of the 4 weeks before the origin. A planned event's
        analog is added (for the nowcast only its change since the last hour, which the last hour
        already shows)."""
        short = ("trans_mix", "pred0", "p8", "wmean", "level168")
        long = ("pred0", "p8", "wmean", "level168")
        week = ("pred_mix", *long)
        h = np.asarray(h)
        out = np.full(len(z), np.nan)
        for names, rows in ((short, h <= 3), (long, (h > 3) & (h <= 24)), (week, h > 24)):
            part = np.full(int(rows.sum()), np.nan)
            for name in names:
                part = np.where(np.isnan(part), features[name][rows], part)
            out[rows] = part
        o = np.asarray(t) - np.asarray(h) + 1
        fallback = self.zone_scale[np.asarray(z), np.clip(o, 0, self.width - 1)]
        out = np.where(np.isnan(out), fallback, out)
        out = np.where(np.isnan(out), 0.0, out)
        if "event_analog" in features:  # a planned event moves the guess as it did the last times
            now = np.nan_to_num(features["event_analog"])
            out = out + np.where(h <= 3, now - np.nan_to_num(features["event_analog_last"]), now)
        return out

