"""Hot-spots: empirical-Bayes shrinkage, top-k shares on a hand-made split, the synthetic
Scheveningen history (deterministic, shipped file up to date) and the scheduled calls per cell."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crowdsafety.domain.incident import Incident, IncidentCategory, IncidentSource, Urgency
from crowdsafety.forecast import hotspots as hs
from crowdsafety.sources import scheveningen_incidents as gen
from crowdsafety.sources.gtfs_calls import weekly_calls
from crowdsafety.sources.incident_history import read_incident_history

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)  # 01:00 Amsterdam: hour of week 1
QUIET, BUSY = ("1", "quiet", 3), ("1", "busy", 10)


def _incident(n: int, at: datetime, line: str = "1", stop: str = "A") -> Incident:
    return Incident(ref=f"T{n}", site_id="t", source=IncidentSource.CHATBOT, category=IncidentCategory.THEFT,
                    urgency=Urgency.NORMAL, at=at, reported_at=at, line=line, stop_id=stop)


def _quiet_and_busy() -> tuple[Counter, dict]:
    """Ten stops × 24 hours with 100 calls per cell and a report in every other cell; a busy stop
    whose hour 10 has 30 reports; a quiet stop (2 calls per hour) with a single report at hour 3."""
    exposure: dict = {}
    counts: Counter = Counter()
    for s in range(10):
        for h in range(24):
            exposure[("1", f"S{s}", h)] = 100.0
            counts[("1", f"S{s}", h)] = (s + h) % 2
    for h in range(24):
        exposure[("1", "busy", h)] = 100.0
        counts[("1", "busy", h)] = 30 if h == 10 else 1
        exposure[("1", "quiet", h)] = 2.0
    counts[("1", "quiet", 3)] = 1
    return counts, exposure


@pytest.mark.parametrize("prior", ["flat", "margins"])
def test_one_report_on_a_quiet_cell_ranks_below_a_steady_busy_cell(prior):
    counts, exposure = _quiet_and_busy()
    assert counts[QUIET] / exposure[QUIET] > counts[BUSY] / exposure[BUSY]  # by raw rate, quiet first
    rates = hs.smoothed_rates(counts, exposure, prior)
    table = hs.ranked(rates, top=len(exposure))
    row = {(r.line, r.stop_id, r.hour_of_week): r for r in table}
    assert row[BUSY].rank == 1
    assert row[QUIET].rank > 1
    assert row[BUSY].low < row[BUSY].rate < row[BUSY].high
    assert row[BUSY].rate > 0.5 * 300  # per 1000 calls: the busy cell keeps most of its raw 300
    assert row[QUIET].rate < 0.2 * 500  # pulled far below its raw 500 per 1000 calls
    width = {c: (row[c].high - row[c].low) / row[c].rate for c in (QUIET, BUSY)}
    assert width[QUIET] > 2 * width[BUSY]  # and less certain


def test_shrinkage_grows_with_less_exposure():
    counts, exposure = _quiet_and_busy()
    rates = hs.smoothed_rates(counts, exposure, "flat")
    i = rates.cells.index(QUIET)
    assert rates.prior_mean[i] < rates.mean[i] < counts[QUIET] / exposure[QUIET]
    assert rates.shape > 0 and math.isfinite(rates.shape)


def test_top_k_share_on_a_hand_made_example():
    scores = {("1", "A", 0): 5.0, ("1", "B", 0): 3.0, ("1", "C", 0): 3.0, ("1", "D", 0): 1.0}
    later = Counter({("1", "A", 0): 2, ("1", "B", 0): 4, ("1", "D", 0): 3, ("1", "E", 0): 1})
    assert hs.top_k_share(scores, later, 1) == pytest.approx(2 / 10)
    assert hs.top_k_share(scores, later, 2) == pytest.approx((2 + 0.5 * 4) / 10)  # B and C tied: half of each
    assert hs.top_k_share(scores, later, 3) == pytest.approx(6 / 10)
    assert hs.top_k_share(scores, later, 10) == pytest.approx(9 / 10)  # E never ranked


def test_evaluate_split_counts_train_and_test_by_time():
    hour = timedelta(hours=1)
    train = [_incident(i, MONDAY + i * timedelta(weeks=1), stop="A") for i in range(6)]
    train += [_incident(10, MONDAY + 2 * hour, stop="B")]
    split = MONDAY + timedelta(weeks=8)
    test = [_incident(20 + i, split + i * timedelta(weeks=1), stop="A") for i in range(3)]
    test += [_incident(30, split + 2 * hour, stop="C")]
    calls = {("1", s, h): 6.0 for s in "ABC" for h in range(168)}
    result = hs.evaluate_split(train + test, "Europe/Amsterdam", calls, split, ks=(1, 2))
    assert (result.train_incidents, result.test_incidents, result.cells) == (7, 4, 3 * 168)
    for name in ("raw count", "EB flat prior", "EB line×stop × hour prior"):
        assert result.shares[name][1] == pytest.approx(3 / 4)
    assert result.shares["best possible"][2] == pytest.approx(1.0)


def test_hour_of_week_is_local():
    assert hs.hour_of_week(MONDAY, "Europe/Amsterdam") == 1
    assert hs.hour_of_week(datetime(2026, 7, 4, 21, 30, tzinfo=UTC), "Europe/Amsterdam") == 5 * 24 + 23
    assert hs.hour_of_week_label(143) == "Sat 23h"


def test_generator_is_deterministic_and_the_shipped_file_is_current():
    first, again, other = gen.generate(seed=7), gen.generate(seed=7), gen.generate(seed=8)
    assert first == again
    assert first != other
    shipped = read_incident_history(gen.HISTORY_FILE, "scheveningen")
    rows = gen.generate()
    assert [(i.ref, i.at.strftime("%Y-%m-%dT%H:%M:%SZ"), i.category.value, i.stop_id) for i in shipped] == \
        [(r["ref"], r["at"], r["category"], r["stop_id"]) for r in rows]


def test_generated_history_has_the_written_down_shape():
    incidents = read_incident_history(gen.HISTORY_FILE, "scheveningen")
    assert 2000 < len(incidents) < 3200
    assert {i.line for i in incidents} == {"1", "9", "11"}
    assert min(i.at for i in incidents) >= datetime(2025, 9, 1, tzinfo=UTC) - timedelta(hours=2)
    assert max(i.at for i in incidents) < datetime(2026, 9, 1, 1, tzinfo=UTC)
    by_category = Counter(i.category.value for i in incidents)
    assert by_category.most_common(1)[0][0] == "harassment"
    local_hours = Counter(i.at.astimezone(gen.TIMEZONE).hour for i in incidents)
    assert set(local_hours) <= set(gen.SERVICE_HOURS)
    months = Counter(i.at.astimezone(gen.TIMEZONE).month for i in incidents)
    assert months[8] > 1.5 * months[2]  # summer beach days
    cells = hs.count_cells(incidents, "Europe/Amsterdam")
    assert cells[("1", "HTM:202", 143)] >= 5  # the planted Saturday-night Kurhaus cell shows


def test_weekly_calls_of_the_demo_feed():
    calls = weekly_calls(gen.FEED_DIR)
    # a tram every 10 minutes from 06:00 (at Kurhaus 2 minutes later): 6 calls an hour
    assert calls[("1", "HTM:202", 6)] == 6
    assert calls[("1", "HTM:202", 5)] == 0
    # trams from 24:02 to 24:22 after Sunday's service are Monday hour 0: 3 calls
    assert calls[("1", "HTM:202", 0)] == 3
    # both directions call at the terminus platform
    assert calls[("1", "HTM:212", 6)] > 6


def test_malformed_history_line_is_named_with_line_and_column(tmp_path: Path):
    from crowdsafety.sources.line_problems import FeedError

    path = tmp_path / "bad.csv"
    path.write_text("ref,at,category,urgency,line,direction,stop_id,source\n"
                    "A,2026-01-01T10:00:00Z,theft,normal,1,x,HTM:202,chatbot\n"
                    "B,2026-01-01T10:00:00,theft,normal,1,x,HTM:202,chatbot\n"
                    "C,2026-01-01T10:00:00Z,robbery,normal,1,x,HTM:202,chatbot\n", encoding="utf-8")
    with pytest.raises(FeedError) as caught:
        read_incident_history(path, "t")
    message = str(caught.value)
    assert "bad.csv:3: at:" in message and "no time zone" in message
    assert "bad.csv:4: category:" in message and "'robbery'" in message
