"""Backtest figures (PNG, matplotlib without a display)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from crowdsafety.forecast.backtest import DAY, NOWCAST, WEEK_AHEAD


def forecast_vs_actual(rows: pd.DataFrame, zone_id: str, model: str, path: Path, days: int = 14,
                       timezone: str = "UTC") -> Path:
    """The day-ahead P50 with its P10-P90 band against the actual, over the last ``days`` days."""
    part = rows[(rows["task"] == DAY) & (rows["model"] == model) & (rows["zone_id"] == zone_id)].sort_values("start")
    part = part[part["start"] >= part["start"].max() - pd.Timedelta(days=days)]
    when = part["start"].dt.tz_convert(timezone).dt.tz_localize(None)
    fig, ax = plt.subplots(figsize=(12, 4))
    ax.fill_between(when, part["p10"], part["p90"], step="post", alpha=0.3, label="P10-P90")
    ax.step(when, part["p50"], where="post", label=f"{model} P50 (day-ahead, issued 06:00)")
    ax.step(when, part["actual"], where="post", color="black", linewidth=0.9, label="actual")
    ax.set_title(f"{zone_id}: day-ahead forecast and what happened")
    ax.set_ylabel("per hour")
    ax.legend(loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def error_by_horizon(scores: pd.DataFrame, path: Path) -> Path:
    """MAE per horizon and model: week-ahead lines, nowcast markers."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for model, part in scores[scores["task"] == WEEK_AHEAD].groupby("model", sort=False):
        line, = ax.plot(part["horizon"], part["mae"], label=f"{model} (from 06:00)")
        now = scores[(scores["task"] == NOWCAST) & (scores["model"] == model)]
        if len(now):
            ax.plot(now["horizon"], now["mae"], "o", color=line.get_color(), label=f"{model} nowcast")
    linear = scores[(scores["task"] == NOWCAST) & ~scores["model"].isin(scores.loc[scores["task"] == WEEK_AHEAD, "model"])]
    for model, part in linear.groupby("model", sort=False):
        ax.plot(part["horizon"], part["mae"], "s", label=f"{model} nowcast")
    ax.set_xlabel("horizon (hours)")
    ax.set_ylabel("MAE per hour")
    ax.set_title("Error by horizon")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
