"""A store file written by schema version 1 opens, gains the newer tables and keeps its data."""

from datetime import UTC, datetime

import duckdb

from crowdsafety.domain.dead_letter import DeadLetter
from crowdsafety.store.duckdb_store import DuckDBStore
from crowdsafety.store.schema import SCHEMA_VERSION


def test_version_1_file_is_upgraded_in_place(tmp_path):
    path = str(tmp_path / "v1.duckdb")
    DuckDBStore(path).close()
    con = duckdb.connect(path)  # make it look like a version-1 file
    con.execute("DROP TABLE dead_letters").fetchall()
    con.execute("DROP TABLE api_keys").fetchall()
    con.execute("INSERT INTO observations VALUES (0, 'cam', '2026-07-04 12:00+00', 300, 'count', 7, 'ok', "
                "'2026-07-04 12:05+00')").fetchall()
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'").fetchall()
    con.close()

    store = DuckDBStore(path)
    try:
        letter = DeadLetter(datetime(2026, 7, 4, tzinfo=UTC), "mqtt", "t", "why", "{}")
        store.append_dead_letters([letter])
        assert store.dead_letters() == [letter]
        assert store.api_keys() == []
        assert store.observation_span() is not None
    finally:
        store.close()
    con = duckdb.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]
    con.close()
