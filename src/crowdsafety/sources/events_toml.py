"""Planned events written as a site's ``events.toml`` (the format ``load_events`` reads).

Each event is an ``[[event]]`` table with ``id``, ``name``, ``start`` and ``end`` (TOML offset
date-times, local with their UTC offset), ``zones`` and ``expected_visitors``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from crowdsafety.sources.scheveningen_simulator import PlannedEvent


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
