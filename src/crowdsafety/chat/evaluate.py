"""Scripted conversations played through the dialogue, and how well it understood them.

A fixtures file (TOML, ``[[conversation]]`` tables) gives per conversation an ``id``, the
passenger's ``turns`` and the expected ``category``, ``line``, ``stop`` (stop name; absent: never
said) and ``urgency``. Per field: precision = right / given, recall = right / expected (a field
given where none was expected counts against precision). Conversations whose expected urgency is
``emergency`` form the emergency set: their first reply must be the emergency text, with "112"
(a reply merely mentioning 112, e.g. in a question, does not count).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from crowdsafety.chat.dialogue import ChatReport, Conversation, Turn, reply
from crowdsafety.chat.understand import KnownStop
from crowdsafety.domain.errors import CrowdSafetyError
from crowdsafety.domain.incident import IncidentCategory, Urgency

FIELDS = ("category", "line", "stop", "urgency")
EMERGENCY_NUMBER = "112"


class FixtureError(CrowdSafetyError):
    """A fixtures file cannot be read or a conversation in it is malformed (file, id, why)."""


@dataclass(frozen=True)
class Scripted:
    """One scripted conversation and what it should end with."""

    id: str
    turns: tuple[str, ...]
    expected: dict[str, str | None]
    language: str | None = None


@dataclass(frozen=True)
class FieldScore:
    right: int = 0
    given: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.given if self.given else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0


@dataclass(frozen=True)
class Evaluation:
    """Scores per field, the emergency set's result, and each wrong field as ``(id, field,
    expected, got)``."""

    conversations: int
    scores: dict[str, FieldScore]
    emergencies: int
    emergencies_with_112: int
    emergency_misses: tuple[str, ...] = ()
    mistakes: tuple[tuple[str, str, str | None, str | None], ...] = field(default=())

    @property
    def emergency_rate(self) -> float:
        return self.emergencies_with_112 / self.emergencies if self.emergencies else 1.0


def load_fixtures(path: Path) -> tuple[Scripted, ...]:
    """Read the scripted conversations of the TOML file at ``path``."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FixtureError(f"{path}: cannot read the conversations: {exc}") from None
    scripted = []
    for number, item in enumerate(data.get("conversation", []), start=1):
        where = f"{path}: conversation {item.get('id', f'#{number}')}"
        turns = item.get("turns")
        if not isinstance(turns, list) or not turns or not all(isinstance(t, str) and t.strip() for t in turns):
            raise FixtureError(f"{where}: 'turns' must be a non-empty list of texts")
        try:
            IncidentCategory(item.get("category"))
            Urgency(item.get("urgency"))
        except ValueError as exc:
            raise FixtureError(f"{where}: {exc}") from None
        expected = {name: (str(item[name]) if item.get(name) is not None else None) for name in FIELDS}
        scripted.append(Scripted(str(item.get("id", number)), tuple(turns), expected, item.get("language")))
    if not scripted:
        raise FixtureError(f"{path}: no [[conversation]] tables")
    return tuple(scripted)


def play(script: Scripted, stops: tuple[KnownStop, ...], lines: tuple[str, ...]) -> tuple[dict[str, str | None], Turn]:
    """Play ``script`` through the dialogue: the final fields and the first reply."""
    state, first = Conversation(), None

    def file(report: ChatReport) -> str:
        return "EVAL-0001"

    for text in script.turns:
        turn = reply(state, text, file=file, stops=stops, lines=lines, language=script.language)
        state, first = turn.conversation, first or turn
    got = {"category": state.category, "line": state.line, "stop": state.stop_name, "urgency": state.urgency}
    if first is None:
        raise FixtureError(f"conversation {script.id}: no turns")
    return got, first


def evaluate(scripts: tuple[Scripted, ...], stops: tuple[KnownStop, ...], lines: tuple[str, ...]) -> Evaluation:
    """Play every script and score the fields (see the module docstring)."""
    counts = {name: [0, 0, 0] for name in FIELDS}
    mistakes, misses, emergencies = [], [], 0
    for script in scripts:
        got, first = play(script, stops, lines)
        for name in FIELDS:
            want, have = script.expected[name], got[name]
            tally = counts[name]
            tally[0] += int(have is not None and have == want)
            tally[1] += int(have is not None)
            tally[2] += int(want is not None)
            if have != want:
                mistakes.append((script.id, name, want, have))
        if script.expected["urgency"] == Urgency.EMERGENCY.value:
            emergencies += 1
            if not (first.conversation.emergency_told and EMERGENCY_NUMBER in first.text):
                misses.append(script.id)
    return Evaluation(
        conversations=len(scripts),
        scores={name: FieldScore(*tally) for name, tally in counts.items()},
        emergencies=emergencies,
        emergencies_with_112=emergencies - len(misses),
        emergency_misses=tuple(misses),
        mistakes=tuple(mistakes),
    )
