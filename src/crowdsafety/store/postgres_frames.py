"""Bulk data between pandas and PostgreSQL over COPY, as CSV written and read by Arrow.

Both directions stay columnar: a frame becomes CSV in Arrow's C++ writer and goes to the server
in one ``COPY ... FROM STDIN``; a query's rows come back in one ``COPY (...) TO STDOUT`` and are
parsed by Arrow's CSV reader into the frame's final dtypes (strings as ``object``, times as
``datetime64[us, UTC]``), the dtypes the DuckDB store returns. NULL is an unquoted empty field;
an empty string is quoted (``""``) both ways, so the two never mix.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql

from crowdsafety.domain import StoreError


def arrow_table(frame: pd.DataFrame, schema: pa.Schema, what: str) -> pa.Table:
    """``frame``'s columns named in ``schema`` as an Arrow table of exactly those types (times
    cut to microseconds, as PostgreSQL keeps them); StoreError naming the column that does not fit."""
    arrays = []
    for field in schema:
        try:
            arrays.append(pa.array(frame[field.name], from_pandas=True).cast(field.type, safe=False))
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise StoreError(f"{what} column {field.name!r} cannot be stored as {field.type}: {exc}") from exc
    return pa.Table.from_arrays(arrays, schema=schema)


def copy_in(conn: psycopg.Connection, table: str, data: pa.Table) -> None:
    """Send ``data`` into ``table`` (columns by name) with one COPY."""
    buffer = io.BytesIO()
    pa_csv.write_csv(data, buffer, pa_csv.WriteOptions(include_header=False))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(n) for n in data.schema.names)
    )
    with conn.cursor() as cur, cur.copy(statement) as copy:
        copy.write(buffer.getbuffer())


def query_frame(
    conn: psycopg.Connection, query: sql.Composable | str, params: Sequence[object], schema: pa.Schema
) -> pd.DataFrame:
    """The rows of ``query`` (its columns in ``schema``'s order) as a DataFrame of ``schema``'s types."""
    statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(
        sql.SQL(query) if isinstance(query, str) else query  # type: ignore[arg-type]
    )
    with conn.cursor() as cur, cur.copy(statement, params) as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    if not data:
        return schema.empty_table().to_pandas()
    table = pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(column_names=schema.names),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=schema, null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    return table.to_pandas()
