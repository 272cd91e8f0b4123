"""What one passenger message says: category, line, stop, vehicle, direction, time, urgency.

Deterministic: word lists (:mod:`crowdsafety.chat.vocabulary`), patterns for numbers, and stop
names matched against the site's stops tolerant of typos (``difflib`` similarity ≥
:data:`STOP_SIMILARITY` on the words joined without spaces, so "Kurhause", "kurhuas", "zwartepad"
and "Vuurbaak straat" all find their stop).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from crowdsafety.chat import vocabulary as v
from crowdsafety.chat.normalise import normalise
from crowdsafety.domain.incident import IncidentCategory

#: Smallest difflib ratio for a typed name to count as a stop name (1.0: identical).
STOP_SIMILARITY = 0.84
#: Shortest stop name (letters, no spaces) matched with typos; shorter ones must be exact.
MIN_FUZZY_LENGTH = 5
MAX_STOP_WORDS = 4  # longest stop name in words ("schev slag beelden aan zee" is split at "/")

_TIME = re.compile(r"\b(?:[01]?\d|2[0-3]):[0-5]\d\b|\b\d{1,2} ?(?:am|pm)\b|\b(?:om|alle|at|around|verso le|rond) \d{1,2}\b(?! ?:)")
_CAPITALISED = re.compile(r"[A-Z][\w.'-]*(?: [A-Z][\w.'-]*)?")


@dataclass(frozen=True)
class KnownStop:
    """A stop (GTFS station or stop) the passenger may name: ``name`` without the city prefix
    ("Kurhaus"), ``lines`` the lines calling there."""

    stop_id: str
    name: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Understanding:
    """What a message says; None (or False) for what it does not say. ``when``: the words giving
    the time; ``now``: it is going on now; ``emergency``: a weapon, someone hurt, an attack now;
    ``unknown``: the passenger says they do not know."""

    category: IncidentCategory | None = None
    line: str | None = None
    stop: KnownStop | None = None
    vehicle: str | None = None
    direction: str | None = None
    when: str | None = None
    now: bool = False
    emergency: bool = False
    weapon: bool = False
    unknown: bool = False


def understand(text: str, stops: tuple[KnownStop, ...] = (), lines: tuple[str, ...] = (),
               *, bare_number_is_line: bool = False) -> Understanding:
    """Read ``text`` against the site's ``stops`` and ``lines``. ``bare_number_is_line``: a reply
    that is only a number ("9") names a line (used when the line was just asked for)."""
    plain = normalise(text)
    line = find_line(plain, lines)
    if line is None and bare_number_is_line and re.fullmatch(r"\d{1,2}", plain):
        line = plain
    weapon = bool(_matches(plain, v.WEAPON_WORDS))
    category = find_category(plain)
    if category is None and weapon:
        category = IncidentCategory.AGGRESSION
    return Understanding(
        category=category,
        line=line,
        stop=find_stop(plain, stops, line),
        vehicle=find_vehicle(plain),
        direction=find_direction(text),
        when=find_when(plain),
        now=bool(_matches(plain, v.NOW_WORDS)),
        emergency=weapon or bool(_matches(plain, v.EMERGENCY_WORDS)),
        weapon=weapon,
        unknown=bool(_matches(plain, v.UNKNOWN_WORDS)),
    )


def find_category(plain: str) -> IncidentCategory | None:
    """The category with most matching words (ties: :data:`vocabulary.CATEGORY_PRIORITY`).
    Phrases of all categories are matched first, so "heart attack" is not also "attack"."""
    rest = _without(plain, v.NEUTRAL_PHRASES)
    score: Counter[IncidentCategory] = Counter()
    phrases = sorted(((e, c) for c, words in v.CATEGORY_WORDS.items() for e in words if " " in e),
                     key=lambda item: len(item[0]), reverse=True)
    for phrase, category in phrases:
        if _matches(rest, (phrase,)):
            score[category] += 1
            rest = _without(rest, (phrase,))
    for category, words in v.CATEGORY_WORDS.items():
        score[category] += len(_matches(rest, tuple(w for w in words if " " not in w)))
    best = max(score.values(), default=0)
    if best == 0:
        return None
    return next(c for c in v.CATEGORY_PRIORITY if score[c] == best)


def find_line(plain: str, lines: tuple[str, ...] = ()) -> str | None:
    """A line number after a line word ("tram 9", "lijn 11"), or after an article when it is one
    of the site's ``lines`` ("de 1", "the 9"); fleet numbers (3+ digits) are not lines."""
    for word in v.LINE_WORDS:
        m = re.search(rf"\b{word} (?:nr |nummer |number |n )?(\d{{1,2}})\b(?!:)", plain)
        if m:
            return str(int(m.group(1)))
    for word in v.LINE_ARTICLES:
        for m in re.finditer(rf"\b{word} (\d{{1,2}})\b(?!:)", plain):
            if str(int(m.group(1))) in lines:
                return str(int(m.group(1)))
    return None


def find_vehicle(plain: str) -> str | None:
    """A fleet number of 4 digits after a vehicle word ("tram 3123", "rijtuig 5041")."""
    words = "|".join(v.VEHICLE_WORDS)
    m = re.search(rf"\b(?:{words}) (?:nr |nummer |number |n )?(\d{{4}})\b", plain)
    return m.group(1) if m else None


def find_direction(text: str) -> str | None:
    """The place after "richting", "towards", "direzione" (or after "naar", "to", "per",
    "verso" when it is capitalised): "richting Delft" → "Delft"."""
    for word in v.DIRECTION_WORDS:
        m = re.search(rf"(?i:\b{word}) ({_CAPITALISED.pattern})", text)
        if m:
            return m.group(1).rstrip(".")
        if word in ("richting", "towards", "toward", "direction", "direzione"):
            m = re.search(rf"(?i:\b{word}) ([^\W\d][\w-]*)", text)
            if m:
                return m.group(1)
    return None


def find_when(plain: str) -> str | None:
    """The words giving the time ("gisteravond", "this morning", "22:00"), or None."""
    found = _matches(plain, v.WHEN_WORDS)
    times = _TIME.findall(plain)
    return " ".join(found + times) or None


def find_stop(plain: str, stops: tuple[KnownStop, ...], line: str | None = None) -> KnownStop | None:
    """The stop whose name (or a part of it between "/") is most like some run of words in
    ``plain``; of stops with the same name, the one served by ``line``. A typo in the first
    letter is not forgiven (it keeps long messages fast)."""
    tokens = plain.split()
    typed = {"".join(tokens[i:i + size]) for size in range(1, MAX_STOP_WORDS + 1) for i in range(len(tokens) - size + 1)}
    best: tuple[float, int, KnownStop] | None = None
    for stop in stops:
        for alias in _aliases(stop.name):
            score = max((_similarity(t, alias) or 0.0 for t in typed if t[0] == alias[0]), default=0.0)
            if not score:
                continue
            rank = (score, int(line is not None and line in stop.lines), stop)
            if best is None or rank[:2] > best[:2]:
                best = rank
    return best[2] if best else None


def _similarity(typed: str, alias: str) -> float | None:
    if typed == alias:
        return 1.0
    if len(alias) < MIN_FUZZY_LENGTH or abs(len(typed) - len(alias)) > 3:
        return None
    matcher = difflib.SequenceMatcher(None, typed, alias, autojunk=False)
    if matcher.real_quick_ratio() < STOP_SIMILARITY or matcher.quick_ratio() < STOP_SIMILARITY:
        return None  # upper bounds, cheap: most word runs end here
    ratio = matcher.ratio()
    return ratio if ratio >= STOP_SIMILARITY else None


@lru_cache(maxsize=1024)
def _aliases(name: str) -> frozenset[str]:
    """A stop name's forms to compare with, without spaces: the whole and its parts between "/"."""
    parts = [name, *name.split("/")] if "/" in name else [name]
    return frozenset(normalise(part).replace(" ", "") for part in parts if normalise(part))


def _phrase_pattern(entry: str) -> str:
    tail = r"\w*" if entry.endswith("*") else ""
    return rf" {re.escape(entry.rstrip('*'))}{tail}(?= )"


def _without(plain: str, phrases: tuple[str, ...]) -> str:
    """``plain`` with every occurrence of ``phrases`` removed."""
    rest = f" {plain} "
    for phrase in phrases:
        rest = re.sub(_phrase_pattern(phrase), " ", rest)
    return " ".join(rest.split())


def _matches(plain: str, entries: tuple[str, ...]) -> list[str]:
    """The entries found in ``plain``: phrases first (their words then no longer count), then
    single words; ``word*`` matches every word starting with ``word``."""
    found: list[str] = []
    rest = plain
    for entry in sorted((e for e in entries if " " in e), key=len, reverse=True):
        if re.search(_phrase_pattern(entry), f" {rest} "):
            found.append(entry)
            rest = _without(rest, (entry,))
    tokens = rest.split()
    for entry in (e for e in entries if " " not in e):
        if entry.endswith("*"):
            if any(token.startswith(entry[:-1]) for token in tokens):
                found.append(entry)
        elif entry in tokens:
            found.append(entry)
    return found
