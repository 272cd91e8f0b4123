"""Incident history CSV: one incident per line, for hot-spot analysis.

Columns: ``ref``, ``at`` (ISO 8601 with a time zone, written in UTC with ``Z``), ``category``,
``urgency``, ``line``, ``direction``, ``stop_id`` (GTFS stop id), ``source``. Only these fields:
no free text, nothing about a person.

:func:`read_incident_history` reads every line; if any is malformed it raises :class:`FeedError`
naming each bad line as ``file:line: column: why`` (up to :data:`MAX_LISTED`), and nothing is used.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Iterable, Mapping

from crowdsafety.domain.incident import Incident, IncidentCategory, IncidentSource, Urgency
from crowdsafety.sources.line_problems import FeedError, LineProblem

HISTORY_COLUMNS = ("ref", "at", "category", "urgency", "line", "direction", "stop_id", "source")
MAX_LISTED = 20


def write_incident_history(rows: Iterable[Mapping[str, str]], path: Path) -> None:
    """Write rows with the :data:`HISTORY_COLUMNS` to ``path`` (UTF-8, ``\\n`` line ends)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_incident_history(path: Path, site_id: str) -> list[Incident]:
    """The incidents of the history file at ``path``, for site ``site_id``."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedError(f"{path}: cannot be read ({exc})") from None
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in HISTORY_COLUMNS if c not in header]
    if missing:
        raise FeedError(f"{path}:1: header lacks column(s) {', '.join(missing)}")
    incidents: list[Incident] = []
    problems: list[LineProblem] = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(LineProblem(str(path), number, f"{len(cells)} cells, the header has {len(header)}"))
            continue
        try:
            incidents.append(_incident(dict(zip(header, (c.strip() for c in cells))), site_id))
        except _BadCell as exc:
            problems.append(LineProblem(str(path), number, exc.message, exc.column))
    if problems:
        listed = "\n".join(str(p) for p in problems[:MAX_LISTED])
        more = f"\n... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise FeedError(f"{len(problems)} malformed line(s) in {path}:\n{listed}{more}")
    return incidents


class _BadCell(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message


def _incident(row: dict[str, str], site_id: str) -> Incident:
    for column in ("ref", "at", "category", "urgency", "source"):
        if not row[column]:
            raise _BadCell(column, "is empty")
    if not row["line"] and not row["stop_id"]:
        raise _BadCell("stop_id", "a line or a stop is needed")
    try:
        at = datetime.fromisoformat(row["at"])
    except ValueError:
        raise _BadCell("at", f"not an ISO 8601 time: {row['at'][:40]!r}") from None
    if at.tzinfo is None:
        raise _BadCell("at", f"{row['at'][:40]!r} has no time zone (add Z or +02:00)")
    return Incident(
        ref=row["ref"], site_id=site_id, at=at, reported_at=at,
        category=_enum(IncidentCategory, row, "category"), urgency=_enum(Urgency, row, "urgency"),
        source=_enum(IncidentSource, row, "source"),
        line=row["line"] or None, direction=row["direction"] or None, stop_id=row["stop_id"] or None,
    )


def _enum(kind, row: dict[str, str], column: str):
    try:
        return kind(row[column])
    except ValueError:
        allowed = ", ".join(k.value for k in kind)
        raise _BadCell(column, f"{row[column][:40]!r} is not one of {allowed}") from None
