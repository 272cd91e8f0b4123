"""Hot-spot figure (PNG, matplotlib without a display): the top cells on a map-like scatter of
the stops, and per line a day × hour heat table of the expected incidents a week with the ranks
of the top cells written in."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from crowdsafety.forecast.hotspots import DAYS, PER_CALLS, CellRates, RankedCell, hour_of_week_label

MAX_LABELLED = 10  # ranks written next to the stops


def weekly_expected(rates: CellRates, weeks: float) -> dict[str, np.ndarray]:
    """Per line a 7 × 24 array (day, local hour): expected incidents a week, summed over its stops
    (posterior mean rate × calls a week); NaN in hours without service."""
    grids: dict[str, np.ndarray] = defaultdict(lambda: np.full((7, 24), np.nan))
    for (line, _, how), mean, calls in zip(rates.cells, rates.mean, rates.exposure, strict=True):
        grid = grids[line]
        grid[how // 24, how % 24] = np.nan_to_num(grid[how // 24, how % 24]) + mean * calls / weeks
    return dict(grids)


def hotspot_figure(rates: CellRates, top: list[RankedCell], positions: Mapping[str, tuple[float, float]],
                   names: Mapping[str, str], weeks: float, path: Path, title: str) -> Path:
    lines = sorted(weekly_expected(rates, weeks).items(), key=lambda kv: _natural(kv[0]))
    fig = plt.figure(figsize=(18, max(3.3 * len(lines), 8) + 1), layout="constrained")
    grid = fig.add_gridspec(max(len(lines), 1), 2, width_ratios=(1.1, 1.0))
    _map(fig.add_subplot(grid[:, 0]), top, positions, names)
    vmax = max((float(np.nanmax(g)) for _, g in lines if np.isfinite(g).any()), default=1.0) or 1.0
    cmap = plt.get_cmap("magma_r").with_extremes(bad="0.85")
    image = None
    for row, (line, values) in enumerate(lines):
        ax = fig.add_subplot(grid[row, 1])
        image = ax.imshow(values, aspect="auto", cmap=cmap, vmin=0, vmax=vmax, interpolation="nearest")
        ax.set_yticks(range(7), DAYS)
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
        ax.set_title(f"tram {line}: expected incidents a week by day and local hour (grey: no service; "
                     f"blue: ranks 1-{MAX_LABELLED})", fontsize=10)
        marked: dict[int, list[str]] = defaultdict(list)
        for cell in top:
            if cell.line == line and cell.rank <= MAX_LABELLED:
                marked[cell.hour_of_week].append(str(cell.rank))
        for how, labels in marked.items():
            ax.text(how % 24, how // 24, ",".join(labels), ha="center", va="center", fontsize=7,
                    color="deepskyblue", fontweight="bold")
    if image is not None:
        fig.colorbar(image, ax=fig.axes[1:], shrink=0.6, label="incidents a week (all stops of the line)")
    fig.suptitle(title, fontsize=12)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _map(ax, top: list[RankedCell], positions: Mapping[str, tuple[float, float]], names: Mapping[str, str]) -> None:
    """All platforms in grey with their stop names, the platforms of the top cells in red (area ∝
    the cell's rate); per stop name the best ranks of its top-10 cells beside it."""
    lon = np.array([p[0] for p in positions.values()])
    lat = np.array([p[1] for p in positions.values()])
    ax.scatter(lon, lat, s=12, color="0.6", zorder=1, label="tram platform")
    by_name: dict[str, list[str]] = defaultdict(list)
    for stop_id in positions:
        by_name[_short(names.get(stop_id, stop_id))].append(stop_id)
    cells: dict[str, list[RankedCell]] = defaultdict(list)
    for cell in top:
        if cell.stop_id in positions:
            cells[_short(names.get(cell.stop_id, cell.stop_id))].append(cell)
    biggest = max((c.rate for c in top), default=1.0) or 1.0
    for cell in sorted(top, key=lambda c: -c.rank):
        if cell.stop_id in positions:
            x, y = positions[cell.stop_id]
            ax.scatter([x], [y], s=40 + 900 * cell.rate / biggest, color="crimson", alpha=0.35, zorder=2,
                       edgecolor="darkred")
    for name, stop_ids in by_name.items():
        x = float(np.mean([positions[s][0] for s in stop_ids]))
        y = float(np.mean([positions[s][1] for s in stop_ids]))
        shown = sorted((c for c in cells.get(name, []) if c.rank <= MAX_LABELLED), key=lambda c: c.rank)
        text = name + "".join(f"\n#{c.rank} tram {c.line} {hour_of_week_label(c.hour_of_week)}" for c in shown[:4])
        if len(shown) > 4:
            text += f"\n(+{len(shown) - 4} more)"
        ax.annotate(text, (x, y), xytext=(7, -4), textcoords="offset points", fontsize=8 if shown else 6.5,
                    color="black" if shown else "0.35", fontweight="bold" if shown else "normal", zorder=3, va="top",
                    bbox=dict(fc="white", alpha=0.75, ec="none", pad=1) if shown else None)
    ax.scatter([], [], s=80, color="crimson", alpha=0.35, label=f"top-{len(top)} cell (area ∝ rate per {PER_CALLS} calls)")
    ax.set_aspect(1 / math.cos(math.radians(float(np.mean(lat)) if len(lat) else 52.0)))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(f"top-{len(top)} line × stop × hour cells at their stops (ranks 1-{MAX_LABELLED} named)", fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.2)


def _short(name: str) -> str:
    """``Kurhaus`` for ``Den Haag, Kurhaus``."""
    return name.split(", ")[-1]


def _natural(label: str) -> tuple[int, int, str]:
    return (0, int(label), "") if label.isdigit() else (1, 0, label)
