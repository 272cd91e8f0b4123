"""Forecast scores. Errors in the zone's quantity (passes per hour or persons).

- MAE = mean |y - P50|; WAPE = sum |y - P50| / sum y.
- Pinball loss, averaged over the levels 0.1, 0.5 and 0.9: for level q and quantile f,
  ``q (y - f)`` when y >= f, else ``(1 - q) (f - y)``.
- Coverage: the share of actuals inside [P10, P90] (the 80 % interval).
- Alarms for "orange or worse": a forecast raises one when P(level >= orange) >= ``alarm_at``.
  Hit rate = alarms on hours that were orange or worse / hours that were orange or worse;
  false-alarm ratio = alarms on hours that stayed below orange / all alarms. Both are NaN when
  nothing to divide by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PINBALL_LEVELS = (0.1, 0.5, 0.9)
SCORE_NAMES = ("n", "mae", "wape", "pinball", "coverage80", "orange_hours", "alarms", "hit_rate", "false_alarm_ratio")


def pinball(actual: np.ndarray, quantile: np.ndarray, level: float) -> np.ndarray:
    diff = actual - quantile
    return np.where(diff >= 0, level * diff, (level - 1) * diff)


def scores(frame: pd.DataFrame) -> pd.Series:
    """Scores of rows with ``actual``, ``p10``, ``p50``, ``p90``, ``p_orange_plus`` (probability
    of orange or worse), ``actual_orange_plus`` (bool) and ``alarm`` (bool)."""
    y = frame["actual"].to_numpy(float)
    p50 = frame["p50"].to_numpy(float)
    err = np.abs(y - p50)
    loss = np.mean([pinball(y, frame[f"p{round(q * 100):02d}"].to_numpy(float), q).mean() for q in PINBALL_LEVELS])
    inside = (y >= frame["p10"].to_numpy(float)) & (y <= frame["p90"].to_numpy(float))
    observed = frame["actual_orange_plus"].to_numpy(bool)
    alarm = frame["alarm"].to_numpy(bool)
    hits = int((alarm & observed).sum())
    total = float(y.sum())
    return pd.Series({
        "n": len(frame),
        "mae": err.mean() if len(frame) else np.nan,
        "wape": err.sum() / total if total > 0 else np.nan,
        "pinball": loss if len(frame) else np.nan,
        "coverage80": inside.mean() if len(frame) else np.nan,
        "orange_hours": int(observed.sum()),
        "alarms": int(alarm.sum()),
        "hit_rate": hits / observed.sum() if observed.any() else np.nan,
        "false_alarm_ratio": (alarm.sum() - hits) / alarm.sum() if alarm.any() else np.nan,
    })


def score_table(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """:func:`scores` per group of ``by``."""
    table = [{**dict(zip(by, key, strict=True)), **scores(group).to_dict()}
             for key, group in rows.groupby(by, sort=False, observed=True)]
    return pd.DataFrame(table, columns=[*by, *SCORE_NAMES])
