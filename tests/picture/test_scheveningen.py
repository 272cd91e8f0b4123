"""The picture against the ground truth of the Scheveningen simulator on the fireworks Saturday."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

import crowdsafety
from crowdsafety.picture import compute_states
from crowdsafety.sites import load_site
from crowdsafety.sources import scheveningen_simulator as sim

TZ = ZoneInfo("Europe/Amsterdam")
HISTORY, START, END = (datetime(2026, 8, 15, h, m, tzinfo=TZ) for h, m in ((17, 0), (19, 0), (23, 30)))


@pytest.fixture(scope="module")
def evening():
    """Estimates and truth per zone (columns) over 19:00-23:30 local, 15 Aug 2026, seed 0."""
    site = load_site(Path(crowdsafety.__file__).parent / "demo_sites" / "scheveningen")
    run = sim.run(site, start=HISTORY, end=END, seed=0)
    states, _ = compute_states(site, run.observations, start=START, end=END)
    estimate = pd.DataFrame([(s.start, s.zone_id, s.people) for s in states], columns=["start", "zone", "people"])
    truth = run.truth.rename(columns={"zone_id": "zone"})
    truth = truth[truth["start"] >= pd.Timestamp(START)]
    return (estimate.pivot(index="start", columns="zone", values="people").astype(float),
            truth.pivot(index="start", columns="zone", values="people").astype(float), states)


def test_the_boulevard_is_within_20_percent_of_the_truth(evening):
    estimate, truth, _ = evening
    error = (estimate["boulevard"] - truth["boulevard"]) / truth["boulevard"]
    assert truth["boulevard"].max() > 25_000  # the fireworks crowd
    assert np.abs(error).max() < 0.2


@pytest.mark.parametrize("zone_id", ["noordboulevard", "kurhaus", "pier"])
def test_other_counted_zones_are_within_20_percent(evening, zone_id):
    estimate, truth, _ = evening
    assert np.abs(estimate[zone_id] - truth[zone_id]).max() < 0.2 * truth[zone_id].max()


def test_partly_counted_zones_report_scaled_flows_and_no_drift(evening):
    _, _, states = evening
    boulevard = [s for s in states if s.zone_id == "boulevard"]
    assert all(s.drift is None for s in boulevard)
    assert all(s.inflow is not None and "lc-keizerstraat-boulevard" in s.sources for s in boulevard)
