"""Scores computed by hand, on rows and on a whole backtest of a tiny series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crowdsafety.domain import LevelThresholds, Site, Zone
from crowdsafety.forecast import History, ModelSpec, SeasonalNaive, backtest
from crowdsafety.forecast.metrics import scores

SQUARE = {"type": "Polygon", "coordinates": [[[4.0, 52.0], [4.001, 52.0], [4.001, 52.001], [4.0, 52.0]]]}


def test_scores_of_three_rows() -> None:
    rows = pd.DataFrame({
        "actual": [10.0, 20.0, 30.0], "p10": [8.0, 21.0, 20.0], "p50": [12.0, 18.0, 33.0], "p90": [15.0, 25.0, 29.0],
        "actual_orange_plus": [False, True, True], "alarm": [True, True, False],
    })
    s = scores(rows)
    assert s["mae"] == pytest.approx(7 / 3)
    assert s["wape"] == pytest.approx(7 / 60)
    # pinball per level: q=0.1: (0.9*2 + 0.1*... ) computed term by term
    p10 = [0.1 * 2, 0.9 * 1, 0.1 * 10]
    p50 = [0.5 * 2, 0.5 * 2, 0.5 * 3]
    p90 = [0.1 * 5, 0.1 * 5, 0.9 * 1]
    assert s["pinball"] == pytest.approx(np.mean([np.mean(p10), np.mean(p50), np.mean(p90)]))
    assert s["coverage80"] == pytest.approx(1 / 3)
    assert s["hit_rate"] == pytest.approx(1 / 2)
    assert s["false_alarm_ratio"] == pytest.approx(1 / 2)


def _site() -> Site:
    zone = Zone("plaza", "Plaza", SQUARE, 1000.0, LevelThresholds.fruin_density())
    return Site("tiny", "Tiny", "UTC", 3600, (zone,), ())


def test_seasonal_naive_backtest_scored_by_hand() -> None:
    weeks = 6
    values = np.full((1, weeks * 168), 100.0)
    spike = (weeks - 1) * 168 + 50  # in the test week, 50 hours after its start
    values[0, spike] = 150.0
    history = History(("plaza",), pd.Timestamp("2026-03-02", tz="UTC"), values, "UTC")
    plan = backtest.plan(history, weeks=1, retrain_days=7)
    result = backtest.run(_site(), history, [ModelSpec("seasonal_naive", SeasonalNaive)], plan)
    table = result.scores()
    row = table[(table["task"] == "nowcast") & (table["horizon"] == 1)].iloc[0]
    assert row["n"] == 168
    assert row["mae"] == pytest.approx(50 / 168)
    assert row["wape"] == pytest.approx(50 / (167 * 100 + 150))
    assert row["coverage80"] == pytest.approx(167 / 168)  # errors were all 0 in the weeks before
    h3 = table[(table["task"] == "nowcast") & (table["horizon"] == 3)].iloc[0]
    assert h3["n"] == 166
    day = table[(table["task"] == "day-ahead") & (table["horizon"] == 24)].iloc[0]
    assert day["n"] == 6  # one 06:00 origin per day; the last one's 24th hour lies past the end
    week = table[(table["task"] == "week-ahead")]
    assert week["n"].sum() == sum(168 - 6 - 24 * d for d in range(7))
    assert result.rows["alarm"].sum() == 0  # 0.1 persons/m² stays green
