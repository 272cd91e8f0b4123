"""Bulk data between pandas and PostgreSQL over COPY, columnar both ways.

In: a frame becomes an Arrow table of the target's types, then PostgreSQL's binary COPY format
(:mod:`crowdsafety.store.postgres_binary`), sent in one ``COPY ... FROM STDIN``. Out: a query's
rows come back in one ``COPY (...) TO STDOUT`` as CSV and are parsed by Arrow's CSV reader into
the frame's final dtypes (strings as ``object``, times as ``datetime64[us, UTC]``), the dtypes
the DuckDB store returns. In that CSV NULL is an unquoted empty field and an empty string is
quoted (``""``), so the two never mix.
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
from crowdsafety.store.postgres_binary import binary_copy


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
    """Send ``data`` into ``table`` (columns by name, of the same types) with one binary COPY."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(n) for n in data.schema.names)
    )
    with conn.cursor() as cur, cur.copy(statement) as copy:
        copy.write(binary_copy(data))


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
            column_types=schema, null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=False,
            true_values=["t"], false_values=["f"],
        ),
    )
    return table.to_pandas()
