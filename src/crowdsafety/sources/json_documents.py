"""JSON documents of a feed: one document, or JSON lines (one document per line).

``NaN`` and ``Infinity`` are not JSON and are refused. A file that cannot be read as JSON at all
raises :class:`FeedError` naming the line and column; in JSON lines a bad line is a
:class:`FeedProblem` and the other lines are used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from crowdsafety.sources.feed_problems import FeedProblem
from crowdsafety.sources.feed_text import decode_text
from crowdsafety.sources.line_problems import FeedError


@dataclass(frozen=True)
class JsonDocuments:
    """The documents of ``file`` with where each was found (``""`` for a whole-file document,
    ``"line N"`` for JSON lines), and the lines that could not be read."""

    file: str
    documents: tuple[tuple[str, Any], ...]
    problems: tuple[FeedProblem, ...]


def load_json_documents(data: bytes | str, file: str, *, json_lines: bool = False) -> JsonDocuments:
    """Parse ``data`` as one JSON document or, with ``json_lines``, also as JSON lines."""
    text = decode_text(data, file)
    try:
        return JsonDocuments(file, (("", _loads(text)),), ())
    except json.JSONDecodeError as exc:
        if not (json_lines and exc.msg == "Extra data"):
            raise FeedError(f"{file}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"{file}: not valid JSON: {_reason(exc)}") from None
    documents, problems = [], []
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines: U+2028 may be in a string
        if not line.strip():
            continue
        try:
            documents.append((f"line {number}", _loads(line)))
        except (ValueError, RecursionError) as exc:
            problems.append(FeedProblem(file, f"line {number}", f"not valid JSON ({_reason(exc)}); line left out"))
    return JsonDocuments(file, tuple(documents), tuple(problems))


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"column {exc.colno}: {exc.msg}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)
