"""The stops and lines a site's chatbot knows, from the site's GTFS feed (``<site>/gtfs``)."""

from __future__ import annotations

from pathlib import Path

from crowdsafety.chat.understand import KnownStop
from crowdsafety.sources.gtfs_stops import read_gtfs_stops


def chat_stops(site_dir: Path) -> tuple[tuple[KnownStop, ...], tuple[str, ...]]:
    """The stations (and stops without a station) of ``site_dir/gtfs`` with their names without
    the city prefix ("Den Haag, Kurhaus" → "Kurhaus"), and the lines calling at them; nothing
    when the site has no GTFS feed. A feed that cannot be read raises ``FeedError``."""
    feed = Path(site_dir) / "gtfs"
    if not feed.exists():
        return (), ()
    stops = tuple(
        KnownStop(s.stop_id, s.name.split(", ", 1)[-1], s.routes)
        for s in read_gtfs_stops(feed).stops
        if s.location_type == 1 or (s.location_type == 0 and not s.parent_station)
    )
    lines = tuple(sorted({line for stop in stops for line in stop.lines}, key=lambda x: (len(x), x)))
    return stops, lines
