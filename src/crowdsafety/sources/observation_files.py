"""Observation files in the product's own format: CSV with a header, or JSON lines.

Columns / keys: ``sensor_id, start, metric, value`` and optional ``interval_s, quality``.
CSV numbers are converted from text (``"12"`` -> 12, ``"1.5"`` -> 1.5); anything else stays text
so the validator can name it. Lines that cannot be parsed at all are reported with their number.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crowdsafety.domain import CrowdSafetyError

MAX_FILE_BYTES = 512 * 1024 * 1024


class ObservationFileError(CrowdSafetyError, ValueError):
    """A whole file cannot be read; the message names the file (and the line). A ValueError too,
    as it was before this class."""


@dataclass
class ParsedFile:
    """Rows of a file with their 1-based line numbers, and the lines that could not be parsed."""

    path: str
    rows: list[Any] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_observation_file(path: str | Path) -> ParsedFile:
    """Read a ``.csv`` or ``.jsonl``/``.ndjson``/``.json`` file; raises ObservationFileError for the whole file."""
    path = Path(path)
    if not path.is_file():
        raise ObservationFileError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ObservationFileError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB; split it")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ObservationFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _parse_csv(str(path), text)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _parse_json_lines(str(path), text)
    raise ObservationFileError(f"{path}: unknown file type {suffix!r} (expected .csv or .jsonl)")


def _parse_json_lines(path: str, text: str) -> ParsedFile:
    parsed = ParsedFile(path)
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines: U+2028 may be in a string
        if not line.strip():
            continue
        try:
            row = json.loads(line, parse_constant=_reject_constant)
        except (json.JSONDecodeError, ValueError, RecursionError) as exc:
            parsed.errors.append((number, f"not valid JSON: {exc}"))
            continue
        parsed.rows.append(row)
        parsed.line_numbers.append(number)
    return parsed


def _parse_csv(path: str, text: str) -> ParsedFile:
    parsed = ParsedFile(path)
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return parsed
    except csv.Error as exc:
        raise ObservationFileError(f"{path}: line 1: unreadable CSV header ({exc})") from None
    missing = {"sensor_id", "start", "metric", "value"} - set(header)
    if missing:
        raise ObservationFileError(f"{path}: line 1: header lacks column(s) {', '.join(sorted(missing))}")
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.errors.append((reader.line_num, f"unreadable CSV ({exc})"))
            continue
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            parsed.errors.append((reader.line_num, f"{len(cells)} cells, header has {len(header)}"))
            continue
        row = {h: _cell(h, c) for h, c in zip(header, cells) if c != "" or h in ("value", "start")}
        parsed.rows.append(row)
        parsed.line_numbers.append(reader.line_num)
    return parsed


def _cell(column: str, text: str) -> Any:
    if column not in ("value", "interval_s"):
        return text
    stripped = text.strip()
    try:
        return int(stripped)
    except ValueError:
        pass
    try:
        return float(stripped)
    except ValueError:
        return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")
