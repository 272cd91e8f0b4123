"""One MQTT sensor message -> observation rows, or the reasons it cannot be used.

The topic's last level is the sensor id (``crowdsafety/<site-id>/sensors/<sensor-id>``). The
payload is JSON as for ``POST /api/v1/observations``: one observation object or an array of
them. A row may leave ``sensor_id`` out (the topic's is used); when present it must be the
topic's. Everything else about a row is checked later by :func:`crowdsafety.ingest.validate_rows`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from crowdsafety.domain.dead_letter import MAX_PAYLOAD_CHARS

#: Most rows and bytes one message may carry (as for one HTTP request).
MAX_ROWS = 10_000
MAX_PAYLOAD_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class RowProblem:
    """A message, or one row of it (``index``; None for the whole message), that cannot be used."""

    reason: str
    payload: str
    index: int | None = None


@dataclass(frozen=True)
class ParsedMessage:
    """Rows to validate (``indices``: their position in the message's array, None for a single
    object) and the problems found before validation."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    indices: list[int | None] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def sensor_from_topic(topic: str) -> str:
    """The sensor id: the topic's last level (ValueError when that is empty or a wildcard)."""
    sensor = topic.rsplit("/", 1)[-1]
    if not sensor or sensor in ("+", "#"):
        raise ValueError(f"topic {topic!r} names no sensor in its last level")
    return sensor


def parse_message(topic: str, payload: bytes) -> ParsedMessage:
    """Decode ``payload`` published on ``topic``; never raises for bad input."""
    try:
        sensor = sensor_from_topic(topic)
    except ValueError as exc:
        return _whole(str(exc), payload)
    if len(payload) > MAX_PAYLOAD_BYTES:
        return _whole(f"payload of {len(payload)} bytes; at most {MAX_PAYLOAD_BYTES} a message", payload)
    try:
        data = json.loads(payload, parse_constant=_no_constants)
    except RecursionError:
        return _whole("JSON nested too deeply", payload)
    except (ValueError, UnicodeDecodeError) as exc:
        return _whole(f"payload is not valid JSON: {exc}", payload)
    if isinstance(data, dict):
        items: list[Any] = [data]
        indices: list[int | None] = [None]
    elif isinstance(data, list):
        if not data:
            return _whole("empty array: no observations", payload)
        if len(data) > MAX_ROWS:
            return _whole(f"{len(data)} rows; at most {MAX_ROWS} a message", payload)
        items, indices = data, list(range(len(data)))
    else:
        return _whole(f"payload must be an observation object or an array of them, got {type(data).__name__}",
                      payload)
    parsed = ParsedMessage()
    for index, item in zip(indices, items):
        if isinstance(item, dict):
            given = item.setdefault("sensor_id", sensor)
            if given != sensor:
                parsed.problems.append(RowProblem(
                    f"sensor_id: {_show(given)} does not match the topic's sensor {sensor!r}", _dump(item), index))
                continue
        parsed.rows.append(item)  # a non-object is rejected with its reason by validate_rows
        parsed.indices.append(index)
    return parsed


def _whole(reason: str, payload: bytes) -> ParsedMessage:
    return ParsedMessage(problems=[RowProblem(reason, payload[: 4 * MAX_PAYLOAD_CHARS].decode("utf-8", errors="replace"))])


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _dump(row: Any) -> str:
    return json.dumps(row, ensure_ascii=False, default=str)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
