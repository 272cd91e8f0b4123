"""``crowdsafety sensorthings-datastreams`` and ``crowdsafety pull-sensorthings``: list what an OGC
SensorThings API server offers, and pull the Observations of the mapped Datastreams into the
store. Registered on the main app with :func:`register`.

A pull asks each Datastream only for Observations after the latest interval already stored for
its sensor and metric (or after ``--since``); a Datastream whose pages cannot all be read stores
nothing and the next pull tries it again. Exit codes: 0 all stored, 1 some Observations left out
or rejected, 2 the mapping, the server or a Datastream failed (the others are still pulled).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from crowdsafety.cli.common import SiteArg, StoreOpt, errors, open_runtime
from crowdsafety.cli.progress import progress_bar
from crowdsafety.cli.transit import console, fail, show_problems
from crowdsafety.sources.line_problems import FeedError
from crowdsafety.sources.sensorthings import DEFAULT_TIMEOUT_S, SensorThingsClient
from crowdsafety.sources.sensorthings_mapping import (
    DatastreamMapping,
    mappings_from_file,
    mappings_from_site,
    pull_rows,
    resolve,
)
from crowdsafety.service import Runtime
from crowdsafety.store import Store

INGEST_BATCH = 10_000
LOOKBACK = timedelta(days=7)  # how far before a sensor's latest interval its metrics' latest are looked for

UrlArg = typer.Argument(..., help="Service root of the SensorThings API, e.g. https://host/FROST-Server/v1.1")
TimeoutOpt = typer.Option(DEFAULT_TIMEOUT_S, "--timeout", help="Seconds allowed for each answer")


def register(app: typer.Typer) -> None:
    @app.command("sensorthings-datastreams")
    def sensorthings_datastreams(url: str = UrlArg, timeout: float = TimeoutOpt) -> None:
        """List the Things and Datastreams of a SensorThings server (ids for the mapping)."""
        try:
            streams = SensorThingsClient(url, timeout_s=timeout).datastreams()
        except FeedError as exc:
            fail(exc)
        table = Table(title=f"{url}: {len(streams)} Datastreams")
        for column in ("Thing", "Datastream @iot.id", "name", "unit"):
            table.add_column(column)
        for d in streams:
            table.add_row(f"{d.thing_name} ({d.thing_id})", str(d.id), d.name, d.unit)
        console.print(table)

    @app.command("pull-sensorthings")
    def pull_sensorthings(
        site_dir: str = SiteArg,
        url: str = UrlArg,
        mapping: Optional[Path] = typer.Option(None, "--mapping", help="TOML file of [[datastream]] mappings "
                                               "(default: sensorthings_datastream keys in sensors.toml)"),
        since: Optional[str] = typer.Option(None, "--since", help="Only Observations after this ISO time "
                                            "(default: after the latest stored for each sensor and metric)"),
        timeout: float = TimeoutOpt,
        store: Optional[str] = StoreOpt,
    ) -> None:
        """Pull the Observations of the mapped Datastreams into the store."""
        after = _parse_since(since) if since else None
        runtime, _ = open_runtime(site_dir, store)
        try:
            exit_code = _pull(runtime, url, mapping, after, timeout)
        finally:
            runtime.store.close()
        raise typer.Exit(exit_code)


def _pull(runtime: Runtime, url: str, mapping: Path | None, since: datetime | None, timeout: float) -> int:
    """Pull every mapped Datastream; the exit code."""
    site = runtime.site
    try:
        mappings = mappings_from_file(mapping, site) if mapping else mappings_from_site(site)
        if not mappings:
            fail(f"site {site.id!r} maps no Datastream: add sensorthings_datastream to sensors.toml or give --mapping")
        client = SensorThingsClient(url, timeout_s=timeout)
        pairs = resolve(mappings, client.datastreams(), url=url)
    except FeedError as exc:
        fail(exc)
    latest = {} if since else _latest_stored(runtime.store, mappings)
    exit_code = 0
    with progress_bar("Pulling Datastreams", total=len(pairs)) as advance:
        for stream, m in pairs:
            try:
                pulled = pull_rows(client, stream, m, site_interval_s=site.interval_s,
                                   since=since or latest.get((m.sensor_id, m.metric)))
            except FeedError as exc:
                errors.print(f"[red]error[/red] Datastream {stream.id!r}: {exc}", highlight=False, soft_wrap=True,
                             markup=False)
                exit_code = 2
                advance(1)
                continue
            stored = duplicates = corrections = 0
            problems = list(pulled.problems)
            for i in range(0, len(pulled.rows), INGEST_BATCH):
                batch = pulled.rows[i:i + INGEST_BATCH]
                report = runtime.ingest(batch)
                stored, duplicates, corrections = (stored + report.inserted, duplicates + report.duplicates,
                                                   corrections + report.corrections)
                problems += [f"Datastream {stream.id!r}: {m.sensor_id} {m.metric} at {batch[r.index]['start']}: "
                             f"{r.field + ': ' if r.field else ''}{r.reason}" for r in report.rejected]
            show_problems(problems)
            console.print(f"Datastream {stream.id!r} ({stream.name}) -> {m.sensor_id} {m.metric}: "
                          f"{len(pulled.rows)} observations in {pulled.pages} pages: {stored} stored, "
                          f"{duplicates} duplicates ignored, {corrections} corrections, {len(problems)} left out")
            if problems and exit_code == 0:
                exit_code = 1
            advance(1)
    return exit_code


def _latest_stored(store: Store, mappings: list[DatastreamMapping]) -> dict[tuple[str, str], datetime]:
    """(sensor id, metric) -> the latest interval start stored for it (within LOOKBACK of the
    sensor's latest); absent where nothing is stored."""
    last_seen = store.last_seen()
    latest: dict[tuple[str, str], datetime] = {}
    for sensor_id in {m.sensor_id for m in mappings} & last_seen.keys():
        end = last_seen[sensor_id]
        frame = store.observations(start=end - LOOKBACK, end=end + timedelta(microseconds=1), sensor_ids=[sensor_id])
        for metric, start in frame.groupby("metric")["start"].max().items():
            latest[(sensor_id, str(metric))] = start.to_pydatetime()
    return latest


def _parse_since(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--since: unparsable time {text!r} (use ISO 8601, e.g. 2026-07-05T14:00+02:00)")
    if t.tzinfo is None:
        fail(f"--since: {text!r} has no time zone (add Z or +02:00)")
    return t.astimezone(timezone.utc)
