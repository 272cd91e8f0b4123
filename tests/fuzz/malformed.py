"""Hypothesis strategies for malformed input: odd JSON values, broken observation rows, documents
with one part broken, text with bytes flipped or cut. Shared by the fuzz tests.

Every fuzz test feeds at least ``INPUTS`` malformed inputs (counted, and asserted at its end),
derandomized so CI sees the same inputs every run.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Malformed inputs each fuzz target gets at least.
INPUTS = 10_000
NOW = datetime(2026, 7, 5, 12, 0, tzinfo=timezone.utc)


def fuzz_settings(examples: int) -> settings:
    """Stable (derandomized) runs of ``examples`` examples, no deadline, no example database."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


# -- odd values ----------------------------------------------------------------------------------

#: Values that broke or nearly broke parsers: ints beyond a float and beyond 64 bits, the float
#: limits, texts of a lone surrogate, a NUL, a BOM, digits beyond Python's int-parsing limit.
ODD_VALUES = [10**400, -(10**400), 2**63, -(2**63) - 1, 1e308, -1e308, 5e-324, -0.0, 1e13, -1,
              "", " ", "\ud800", "\x00", "\ufeff", "NaN", "Infinity", "-1", "1e999", "9" * 5000,
              "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-02-30T00:00:00Z",
              True, False, None, [], {}, [None], {"": None}]

scalars = st.one_of(
    st.sampled_from(ODD_VALUES), st.none(), st.booleans(), st.integers(),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=5)


def dump(value: Any) -> bytes:
    """JSON bytes of ``value`` (lone surrogates escaped, as a sender would)."""
    return json.dumps(value).encode()


# -- observation rows that are wrong in a known field -------------------------------------------

#: (sensor id, a metric it takes) on the mini site; no breaker below is valid for any of them.
MINI_SENSORS = [("cam-beach", "count"), ("wifi-beach", "devices"), ("line-square", "in"),
                ("line-square", "out"), ("garage", "occupied"), ("weather", "temperature_c")]
MINI_IDS = {s for s, _ in MINI_SENSORS}
NOT_A_NUMBER = st.sampled_from(["12", "", None, True, False, [], {}, [1], "1e3"])

#: field -> values that make any row of the mini site invalid in that field (None: delete it).
BREAKERS: dict[str, st.SearchStrategy[Any]] = {
    "sensor_id": st.one_of(st.none(), st.integers(), st.booleans(), st.lists(st.text(max_size=3), max_size=2),
                           st.text(max_size=20).filter(lambda s: s not in MINI_IDS)),
    "start": st.one_of(
        st.none(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
        st.sampled_from(["", "yesterday", "2026-07-05T11:00:00", "2026-07-05", "2026-13-01T00:00:00Z",
                         "2026-07-05T25:00:00Z", "2027-07-05T11:00:00Z", "2100-01-01T00:00:00+00:00",
                         "1900-01-01T00:00:00Z", "1000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
                         "9999-12-31T23:59:59-01:00", "2026-07-05T11:00:00+25:00", "\ud800"]),
        st.text(alphabet="abcxyz :-T", max_size=20)),
    "interval_s": st.one_of(st.sampled_from([0, -300, 86_401, 10**400, 300.5, 300.0, "300", True, None, [300]]),
                            st.integers(max_value=0), st.integers(min_value=86_401)),
    "metric": st.one_of(st.none(), st.integers(), st.booleans(),
                        st.sampled_from(["", "COUNT", "passes ", "vehicles", "boardings", "wind", "x"])),
    "value": st.one_of(NOT_A_NUMBER, st.sampled_from([10**400, -(10**400), 1e13, -1e13, 2e12]),
                       st.floats(min_value=1e12, exclude_min=True, allow_infinity=False)),
    "quality": st.one_of(st.integers(), st.booleans(), st.sampled_from(["", "OK", "bad", "good", "\x00"])),
}


FIELD_NAMES = st.sampled_from(sorted(BREAKERS))
#: Field names no row may carry (the known ones differ in case or by a space).
UNKNOWN_FIELDS = st.one_of(st.sampled_from(["Sensor_id", "start ", "values", "id", "", "\x00", "sensorId", "ts"]),
                           st.text(alphabet="abcdefgh_", min_size=1, max_size=6))


def _valid_row(n: int) -> dict[str, Any]:
    sensor, metric = MINI_SENSORS[n % len(MINI_SENSORS)]
    row: dict[str, Any] = {"sensor_id": sensor, "start": (NOW - timedelta(minutes=5 * (1 + n % 288))).isoformat(),
                           "metric": metric, "value": (n * 37) % 5000}
    if n % 3 == 1:
        row["interval_s"] = 300
    if n % 5 == 2:
        row["quality"] = ("ok", "estimated", "suspect")[n % 3]
    return row


#: Rows the mini site accepts (intervals in the 24 h before ``NOW``), drawn with one choice each:
#: drawing every field costs more than the checks it feeds.
VALID_ROWS = [_valid_row(n) for n in range(997)]
valid_rows = st.sampled_from(VALID_ROWS).map(dict)


@st.composite
def broken_rows(draw: st.DrawFn) -> tuple[Any, set[str | None]]:
    """A row wrong in one or two fields, and the fields a rejection may name (None: the row as a
    whole, e.g. not an object, or an unknown field)."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.one_of(scalars, st.lists(scalars, max_size=3)).filter(lambda v: not isinstance(v, dict))), {None}
    row = draw(valid_rows)
    fields: set[str | None] = set()
    if kind == 1:
        row[draw(UNKNOWN_FIELDS)] = draw(scalars)
        fields.add(None)
    names = {draw(FIELD_NAMES), draw(FIELD_NAMES)} if kind > 6 else {draw(FIELD_NAMES)}
    for name in sorted(names):
        value = draw(BREAKERS[name])
        if value is None and name in ("sensor_id", "start", "metric", "value"):
            row.pop(name)  # a required field missing
        else:
            row[name] = value
        fields.add(name)
    return row, fields


# -- documents with one part broken ---------------------------------------------------------------

def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += _paths(value, prefix + (i,))
    return found


@st.composite
def broken_documents(draw: st.DrawFn, doc: Any) -> Any:
    """``doc`` (a JSON-like document) with one node replaced by an odd value, removed, given an
    unknown key, or wrapped in a list."""
    doc = copy.deepcopy(doc)
    path = draw(st.sampled_from(_paths(doc)))
    op = draw(st.sampled_from(["replace", "replace", "delete", "extra", "wrap"]))
    if not path:
        return draw(json_values) if op != "wrap" else [doc]
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if op == "replace":
        parent[key] = draw(scalars if draw(st.booleans()) else json_values)
    elif op == "delete":
        del parent[key]
    elif op == "extra" and isinstance(parent[key], dict):
        parent[key][draw(st.text(max_size=6))] = draw(json_values)
    else:
        parent[key] = [parent[key]]
    return doc


# -- text with bytes flipped, cut or inserted -----------------------------------------------------

#: Characters that mean something to CSV, TOML, JSON or iCalendar.
SYNTAX = ",;\t\"'\n\r=[]{}:#\\ \x00\ufeff"
inserts = st.one_of(st.text(alphabet=SYNTAX, min_size=1, max_size=4), st.text(min_size=1, max_size=6),
                    st.sampled_from(["\r\n", "\n\n", "END:VCALENDAR", "BEGIN:VEVENT", "\"\"\"", "[[", "\\u",
                                     "1e999", "NaN", "-", "0x1F", "\x85", "\u2028"]))


@st.composite
def corrupted(draw: st.DrawFn, text: str) -> bytes:
    """``text`` as bytes with one to three edits: cut off, a span deleted, duplicated or
    overwritten, characters inserted, two lines swapped, a stray byte that is no UTF-8, or
    re-encoded in another encoding."""
    data = text
    for _ in range(draw(st.sampled_from([1, 1, 2, 3]))):
        n = len(data)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 40)))
        op = draw(st.sampled_from(["cut", "delete", "duplicate", "insert", "insert", "overwrite", "swap"]))
        if op == "cut":
            data = data[:i]
        elif op == "delete":
            data = data[:i] + data[j:]
        elif op == "duplicate":
            data = data[:j] + data[i:j] + data[j:]
        elif op == "insert":
            data = data[:i] + draw(inserts) + data[i:]
        elif op == "overwrite":
            data = data[:i] + draw(inserts) + data[i + 1:]
        else:
            lines = data.split("\n")
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            data = "\n".join(lines)
    raw = data.encode("utf-8", errors="surrogatepass")
    tail = draw(st.sampled_from(["", "", "", "", "bad byte", "utf-16", "latin-1"]))
    if tail == "bad byte":
        k = draw(st.integers(0, len(raw)))
        raw = raw[:k] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"])) + raw[k:]
    elif tail:
        raw = data.encode(tail, errors="replace")
    return raw


# -- TOML text of a document ------------------------------------------------------------------------

def toml_text(doc: Any) -> str:
    """``doc`` as TOML, nested tables inline (TOML has no null: None values are left out); a
    document that is no table comes out as text TOML cannot read."""
    if not isinstance(doc, dict):
        return json.dumps(doc)
    return "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in doc.items() if v is not None)


def _toml_key(key: str) -> str:
    return json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value('' if v is None else v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None) + "}"
    raise TypeError(f"no TOML for {type(value).__name__}")
