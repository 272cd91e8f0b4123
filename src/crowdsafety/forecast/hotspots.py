"""Hot-spots of incidents on public transport: line × stop × hour-of-week cells ranked by a
smoothed incident rate with uncertainty (empirical Bayes), judged by a temporal split.

Exposure of a cell is the number of scheduled calls (a tram of the line stopping at the stop in
that hour of the week) over the weeks observed, so rates are incidents per call. The model is
gamma-Poisson: a cell's count ``y ~ Poisson(e·λ)`` with ``λ ~ Gamma(α, α/m)`` (prior mean ``m``);
the posterior is ``Gamma(α + y, α/m + e)``. The prior mean ``m`` is either one rate for all cells
(``flat``) or the product of the line × stop and the hour-of-week margins (``margins``: a cell
borrows strength from its stop and its hour); ``α`` is fitted by the method of moments across
cells (``Var y = μ + μ²/α``). A single report on a quiet cell is pulled towards its prior mean,
so it does not top the list; a steady busy cell keeps its rate.

Hours of the week are local time: 0 is Monday 00:00-01:00, 167 Sunday 23:00-24:00.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Literal, Mapping
from zoneinfo import ZoneInfo

import numpy as np
from scipy.stats import gamma

from crowdsafety.domain.incident import Incident

Cell = tuple[str, str, int]  # (line, stop_id, hour of week)
Prior = Literal["flat", "margins"]
WEEK_S = 7 * 24 * 3600.0
MAX_SHAPE = 1e6  # prior shape when the counts show no spread beyond Poisson
MARGIN_PSEUDO_COUNT = 0.5  # added to each margin's count so an empty stop or hour keeps a rate
PER_CALLS = 1000  # rates are shown per this many calls
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def hour_of_week(at: datetime, timezone: str) -> int:
    """0 (Monday 00:00-01:00 local) to 167 (Sunday 23:00-24:00 local)."""
    local = at.astimezone(ZoneInfo(timezone))
    return local.weekday() * 24 + local.hour


def hour_of_week_label(how: int) -> str:
    """``Sat 23h`` for 143."""
    return f"{DAYS[how // 24]} {how % 24:02d}h"


def count_cells(incidents: Iterable[Incident], timezone: str) -> Counter[Cell]:
    """Incidents per cell; incidents without both a line and a stop are left out."""
    return Counter((i.line, i.stop_id, hour_of_week(i.at, timezone)) for i in incidents if i.line and i.stop_id)


def cell_exposure(weekly_calls: Mapping[Cell, float], counts: Mapping[Cell, int], weeks: float) -> dict[Cell, float]:
    """Calls over ``weeks`` per cell: every scheduled cell, and cells with incidents but no
    scheduled calls (given the fewest calls of any scheduled cell, at least 1 a week).
    Without a schedule, every hour of the week of each line × stop seen counts 1 call a week."""
    if not weekly_calls:
        pairs = {(line, stop) for line, stop, _ in counts}
        weekly_calls = {(line, stop, h): 1.0 for line, stop in pairs for h in range(168)}
    floor = max(1.0, min(weekly_calls.values()))
    exposure = {cell: calls * weeks for cell, calls in weekly_calls.items() if calls > 0}
    for cell in counts:
        exposure.setdefault(cell, floor * weeks)
    return exposure


@dataclass(frozen=True)
class CellRates:
    """Posterior rates per call of every cell (arrays in the order of ``cells``)."""

    cells: list[Cell]
    count: np.ndarray
    exposure: np.ndarray  # calls
    prior_mean: np.ndarray  # incidents per call
    mean: np.ndarray  # posterior mean, incidents per call
    low: np.ndarray  # posterior quantile ``quantiles[0]``
    high: np.ndarray  # posterior quantile ``quantiles[1]``
    shape: float  # α of the gamma prior
    prior: Prior
    quantiles: tuple[float, float]

    def scores(self) -> dict[Cell, float]:
        return dict(zip(self.cells, self.mean.tolist(), strict=True))


def smoothed_rates(counts: Mapping[Cell, int], exposure: Mapping[Cell, float], prior: Prior = "margins",
                   quantiles: tuple[float, float] = (0.1, 0.9)) -> CellRates:
    """Empirical-Bayes rates of every cell in ``exposure`` (calls), given incident ``counts``."""
    cells = sorted(exposure)
    if not cells:
        raise ValueError("no cells to rank (no exposure)")
    y = np.array([counts.get(c, 0) for c in cells], dtype=float)
    e = np.array([exposure[c] for c in cells], dtype=float)
    if np.any(e <= 0):
        raise ValueError("every cell needs a positive exposure")
    m = _margin_means(cells, y, e) if prior == "margins" else np.full(len(cells), max(y.sum(), 0.5) / e.sum())
    mu = m * e
    spread = float(np.sum((y - mu) ** 2 - mu))
    shape = min(MAX_SHAPE, float(np.sum(mu**2)) / spread) if spread > 0 else MAX_SHAPE
    a, b = shape + y, shape / m + e
    low, high = (gamma.ppf(q, a, scale=1.0 / b) for q in quantiles)
    return CellRates(cells, y, e, m, a / b, low, high, shape, prior, quantiles)


def _margin_means(cells: list[Cell], y: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Prior rate per call of each cell: line × stop rate × hour-of-week rate / overall rate."""
    place = [(line, stop) for line, stop, _ in cells]
    hour = [h for _, _, h in cells]
    overall = max(y.sum(), MARGIN_PSEUDO_COUNT) / e.sum()
    place_rate = _group_rates(place, y, e)
    hour_rate = _group_rates(hour, y, e)
    return np.array([place_rate[p] * hour_rate[h] / overall for p, h in zip(place, hour, strict=True)])


def _group_rates(keys: list[Any], y: np.ndarray, e: np.ndarray) -> dict[Any, float]:
    sums: dict[Any, list[float]] = {}
    for key, yi, ei in zip(keys, y, e, strict=True):
        s = sums.setdefault(key, [MARGIN_PSEUDO_COUNT, 0.0])
        s[0] += yi
        s[1] += ei
    return {k: count / calls for k, (count, calls) in sums.items()}


@dataclass(frozen=True)
class RankedCell:
    """One row of a hot-spot table; rates in incidents per :data:`PER_CALLS` calls."""

    rank: int
    line: str
    stop_id: str
    hour_of_week: int
    count: int
    calls: float
    rate: float
    low: float
    high: float


def ranked(rates: CellRates, top: int) -> list[RankedCell]:
    """The ``top`` cells by posterior mean (ties: more incidents first, then by cell)."""
    order = sorted(range(len(rates.cells)), key=lambda i: (-rates.mean[i], -rates.count[i], rates.cells[i]))
    return [RankedCell(rank, *rates.cells[i], int(rates.count[i]), float(rates.exposure[i]),
                       PER_CALLS * float(rates.mean[i]), PER_CALLS * float(rates.low[i]),
                       PER_CALLS * float(rates.high[i]))
            for rank, i in enumerate(order[:top], start=1)]


def ranked_by_count(counts: Mapping[Cell, int], top: int) -> list[tuple[Cell, int]]:
    """The baseline: the ``top`` cells by raw incident count (ties by cell)."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


# -- evaluation by a temporal split -------------------------------------------------------------


def top_k_share(scores: Mapping[Cell, float], later: Mapping[Cell, int], k: int) -> float:
    """Share of the ``later`` incidents that fall in the ``k`` cells with the highest ``scores``.
    Cells tied at the k-th score are taken in random order: they count by their expected share."""
    total = sum(later.values())
    if total == 0 or k <= 0:
        return float("nan") if total == 0 else 0.0
    values = sorted(scores.values(), reverse=True)
    if k >= len(values):
        return sum(n for c, n in later.items() if c in scores) / total
    cut = values[k - 1]
    above = [c for c, s in scores.items() if s > cut]
    tied = [c for c, s in scores.items() if s == cut]
    hits = sum(later.get(c, 0) for c in above)
    hits += (k - len(above)) / len(tied) * sum(later.get(c, 0) for c in tied)
    return hits / total


@dataclass(frozen=True)
class SplitEvaluation:
    """Top-k shares of the test incidents per ranking, trained before ``split_at``."""

    split_at: datetime
    train_incidents: int
    test_incidents: int
    cells: int
    shares: dict[str, dict[int, float]]  # ranking -> k -> share


RANKINGS = ("raw count", "EB flat prior", "EB line×stop × hour prior", "best possible")


def evaluate_split(incidents: list[Incident], timezone: str, weekly_calls: Mapping[Cell, float],
                   split_at: datetime, ks: Iterable[int] = (10, 20, 50)) -> SplitEvaluation:
    """Rank the cells on the incidents before ``split_at``; score them on those from it on.
    ``best possible`` ranks by the test counts themselves (an upper bound)."""
    train = [i for i in incidents if i.at < split_at]
    test = [i for i in incidents if i.at >= split_at]
    if not train or not test:
        raise ValueError(f"split at {split_at.isoformat()} leaves {len(train)} incidents before, {len(test)} after")
    first = min(i.at for i in train)
    weeks = max((split_at - first).total_seconds() / WEEK_S, 1 / 7)
    before, after = count_cells(train, timezone), count_cells(test, timezone)
    exposure = cell_exposure(weekly_calls, before, weeks)
    raw = {c: float(before.get(c, 0)) for c in exposure}
    scores = {
        "raw count": raw,
        "EB flat prior": smoothed_rates(before, exposure, "flat").scores(),
        "EB line×stop × hour prior": smoothed_rates(before, exposure, "margins").scores(),
        "best possible": {c: float(after.get(c, 0)) for c in exposure},
    }
    shares = {name: {k: top_k_share(s, after, k) for k in ks} for name, s in scores.items()}
    return SplitEvaluation(split_at, len(train), len(test), len(exposure), shares)


def hotspots_geojson(cells: Iterable[RankedCell], positions: Mapping[str, tuple[float, float]],
                     names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one point per ranked cell at its stop ([lon, lat], WGS84);
    cells at stops without a position are left out."""
    features = []
    for c in cells:
        if c.stop_id not in positions:
            continue
        properties = {
            "rank": c.rank, "line": c.line, "stop_id": c.stop_id, "stop_name": (names or {}).get(c.stop_id, c.stop_id),
            "hour_of_week": c.hour_of_week, "when": hour_of_week_label(c.hour_of_week), "incidents": c.count,
            "calls": round(c.calls), f"rate_per_{PER_CALLS}_calls": _rounded(c.rate),
            f"low_per_{PER_CALLS}_calls": _rounded(c.low), f"high_per_{PER_CALLS}_calls": _rounded(c.high),
        }
        features.append({"type": "Feature", "properties": properties,
                         "geometry": {"type": "Point", "coordinates": list(positions[c.stop_id])}})
    return {"type": "FeatureCollection", "features": features}


def _rounded(value: float) -> float:
    return round(value, 4) if math.isfinite(value) else value
