"""Backtest a variant of the default forecast model on Auckland: settings as ``name=value``.

Run: ``python benchmarks/forecast_variants.py rounds=200 learning_rate=0.1`` (any field of
:class:`~crowdsafety.forecast.GBMConfig`, values as Python literals, e.g.
``"groups=((1, 1),)"``; a group's entry in ``group_settings`` overrides the others for that
group, so ``rounds=300`` leaves the nowcast at its own 600). It backtests that LightGBM and the
seasonal naive exactly as ``crowdsafety backtest auckland --models lightgbm`` does (the last 8
weeks, refit every 14 days) and prints MAE × seasonal naive per horizon. Each horizon group draws
its own training rows, so a variant that trains only some groups (``groups=...``) scores them as
the full model would; the table's rows then hold only those groups' horizons. With ``--rows
FILE.parquet`` it also writes the scored rows, to compare variants hour by hour.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import time

from crowdsafety.cli.backtest import auckland_history
from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.forecast import GBMConfig, GlobalGBM, ModelSpec, SeasonalNaive, calendar_of
from crowdsafety.forecast import backtest as bt
from crowdsafety.sites import load_site


def parse_settings(items: list[str]) -> dict[str, object]:
    """``["rounds=200", ...]`` as GBMConfig fields; a clear error for unknown names or bad values."""
    fields = {f.name for f in dataclasses.fields(GBMConfig)}
    out: dict[str, object] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in fields:
            raise SystemExit(f"{item!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(fields))}")
        try:
            out[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise SystemExit(f"{item!r}: the value is not a Python literal") from None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("settings", nargs="*", help="GBMConfig fields as NAME=VALUE")
    parser.add_argument("--rows", help="write the scored rows to this parquet file")
    args = parser.parse_args()
    try:
        config = GBMConfig(**parse_settings(args.settings))
    except (TypeError, ValueError) as error:
        raise SystemExit(f"bad settings: {error}") from None
    site = load_site(resolve_site_dir("auckland"))
    history = auckland_history(site)
    calendar = calendar_of(site.timezone)
    plan = bt.plan(history)
    began = time.perf_counter()
    result = bt.run(site, history, [ModelSpec("lightgbm", lambda: GlobalGBM(calendar, config)),
                                    ModelSpec("seasonal_naive", SeasonalNaive)], plan)
    table = bt.summary(result)
    table = table[table["model"] == "lightgbm"]
    print(f"{' '.join(args.settings) or 'default settings'}: {time.perf_counter() - began:.0f} s")
    print(table[["horizons", "mae", "vs_reference", "coverage80", "n"]].to_string(index=False))
    if args.rows:
        result.rows.to_parquet(args.rows)


if __name__ == "__main__":
    main()
