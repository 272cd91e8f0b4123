"""A site's planned events as its ``events.toml``: read (:func:`load_events`) and written
(:func:`events_toml`).

Each event is an ``[[event]]`` table with ``id``, ``name``, ``start`` and ``end`` (TOML offset
date-times, local with their UTC offset), ``zones`` and ``expected_visitors``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from crowdsafety.domain import Site
from crowdsafety.domain.events import PlannedEvent

EVENTS_FILE = "events.toml"


def load_events(source: Site | str | Path) -> tuple[PlannedEvent, ...]:
    """Planned events from the ``events.toml`` of a site, a site folder or the file; () if none."""
    if isinstance(source, Site):
        if source.folder is None:
            return ()
        source = source.folder
    path = Path(source)
    path = path / EVENTS_FILE if path.is_dir() else path
    if not path.exists():
        return ()
    with path.open("rb") as f:
        rows = tomllib.load(f).get("event", [])
    events = []
    for i, row in enumerate(rows):
        try:
            event = PlannedEvent(str(row["id"]), str(row.get("name", row["id"])), row["start"], row["end"],
                                 tuple(row["zones"]), int(row["expected_visitors"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path.name}: event {i}: missing or malformed field ({exc})") from None
        times_ok = all(isinstance(t, datetime) and t.tzinfo for t in (event.start, event.end))
        if not (times_ok and event.start < event.end):
            raise ValueError(f"{path.name}: event {event.id!r}: start and end need a UTC offset and start < end")
        events.append(event)
    return tuple(events)


def events_toml(events: Iterable[PlannedEvent], *, header: str = "") -> str:
    """The TOML text of ``events``; ``header`` becomes comment lines at the top."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    for event in events:
        lines += [
            "",
            "[[event]]",
            f"id = {_string(event.id)}",
            f"name = {_string(event.name)}",
            f"start = {event.start.isoformat()}",
            f"end = {event.end.isoformat()}",
            f"zones = [{', '.join(_string(z) for z in event.zones)}]",
            f"expected_visitors = {int(event.expected_visitors)}",
        ]
    return "\n".join(lines).lstrip("\n") + "\n"


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
