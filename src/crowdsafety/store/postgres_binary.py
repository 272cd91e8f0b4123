"""PostgreSQL's binary COPY format, built column-wise with numpy (no Python loop over rows).

The server then only copies bytes: no text has to be parsed into times or numbers, which is
most of a text COPY's cost. Format (PostgreSQL manual, "COPY", binary format): a header, then
per row a 16-bit field count and per field a 32-bit byte length (-1 for NULL) followed by the
value in network byte order; ``timestamptz`` is int64 microseconds since 2000-01-01 UTC,
``double precision`` IEEE 754, ``bigint`` int64, ``boolean`` one byte, ``text`` its UTF-8
bytes. A 16-bit -1 ends it.

Rows whose fields all have the same byte lengths (usually nearly all of them: only text and
NULLs vary) share one layout, written as one numpy structured array. COPY keeps no row order,
so rows go out grouped by layout; callers that need the order send a position column.

Supported Arrow types: ``string``, ``int64``, ``float64``, ``bool``, ``timestamp[us, tz=UTC]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = b"\xff\xff"
#: Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00 UTC).
PG_EPOCH_US = 946_684_800 * 1_000_000

_FIXED_WIDTH = {pa.int64(): ">i8", pa.float64(): ">f8"}


@dataclass(frozen=True)
class _Column:
    """One column ready to write: per-row byte lengths (-1 for NULL) and either fixed-width
    big-endian ``values`` or, for text, ``codes`` into the NUL-padded UTF-8 ``dictionary``."""

    lengths: np.ndarray
    values: np.ndarray | None = None
    codes: np.ndarray | None = None
    dictionary: np.ndarray | None = None

    def field(self, j: int, size: int) -> list[tuple[str, str]]:
        if size < 0 or (size == 0 and self.values is None):
            return [(f"l{j}", ">i4")]
        kind = self.values.dtype.str if self.values is not None else f"S{size}"
        return [(f"l{j}", ">i4"), (f"v{j}", kind)]

    def take(self, rows: np.ndarray, size: int) -> np.ndarray:
        if self.values is not None:
            return self.values[rows]
        assert self.codes is not None and self.dictionary is not None
        padded = self.dictionary[self.codes[rows]].view(np.uint8).reshape(len(rows), -1)
        return np.ascontiguousarray(padded[:, :size]).view(f"S{size}").reshape(-1)


def binary_copy(table: pa.Table) -> memoryview:
    """``table`` in PostgreSQL's binary COPY format (fields in column order)."""
    n = table.num_rows
    columns = [_column(table.column(i).combine_chunks()) for i in range(table.num_columns)]
    groups = []
    for rows in _layout_groups(n, [c.lengths for c in columns]):
        sizes = [int(c.lengths[rows[0]]) for c in columns]
        fields = [("count", ">i2")] + [f for j, c in enumerate(columns) for f in c.field(j, sizes[j])]
        groups.append((rows, sizes, np.dtype(fields)))
    total = len(HEADER) + sum(len(rows) * dtype.itemsize for rows, _, dtype in groups) + len(TRAILER)
    buffer = np.empty(total, dtype=np.uint8)
    buffer[: len(HEADER)] = np.frombuffer(HEADER, dtype=np.uint8)
    at = len(HEADER)
    for rows, sizes, dtype in groups:
        out = np.ndarray(len(rows), dtype=dtype, buffer=buffer, offset=at)
        out["count"] = len(columns)
        for j, (column, size) in enumerate(zip(columns, sizes)):
            out[f"l{j}"] = size
            if f"v{j}" in dtype.names:
                out[f"v{j}"] = column.take(rows, size)
        at += len(rows) * dtype.itemsize
    buffer[at:] = np.frombuffer(TRAILER, dtype=np.uint8)
    return memoryview(buffer)


def _column(array: pa.Array) -> _Column:
    null = np.asarray(array.is_null()) if array.null_count else None
    if pa.types.is_string(array.type):
        encoded = array.dictionary_encode()
        words = [s.encode() for s in encoded.dictionary.to_pylist()]
        word_lengths = np.array([len(w) for w in words] + [-1], dtype=np.int64)
        codes = encoded.indices.fill_null(len(words)).to_numpy(zero_copy_only=False).astype(np.int64)
        width = max(1, int(word_lengths.max()))
        dictionary = np.array(words + [b""], dtype=f"S{width}")
        return _Column(lengths=word_lengths[codes], codes=codes, dictionary=dictionary)
    if null is not None:
        zero = pa.scalar(False) if pa.types.is_boolean(array.type) else pa.scalar(0, array.type)
        array = array.fill_null(zero)  # NULL rows are not written; any value will do
    if pa.types.is_timestamp(array.type):
        if array.type.unit != "us":
            raise TypeError(f"binary COPY needs microsecond timestamps, got {array.type}")
        values = (array.cast(pa.int64()).to_numpy(zero_copy_only=False) - PG_EPOCH_US).astype(">i8")
    elif array.type in _FIXED_WIDTH:
        values = array.to_numpy(zero_copy_only=False).astype(_FIXED_WIDTH[array.type])
    elif pa.types.is_boolean(array.type):
        values = array.to_numpy(zero_copy_only=False).astype("u1")
    else:
        raise TypeError(f"binary COPY of Arrow type {array.type} is not supported")
    size = values.dtype.itemsize
    lengths = np.full(len(array), size, dtype=np.int64) if null is None else np.where(null, -1, size)
    return _Column(lengths=lengths, values=values)


def _layout_groups(n: int, lengths: list[np.ndarray]) -> list[np.ndarray]:
    """Row indices grouped by their field lengths (one group per distinct layout)."""
    if n == 0:
        return []
    group = np.zeros(n, dtype=np.int64)
    for column in lengths:
        if column.min() != column.max():
            _, code = np.unique(column, return_inverse=True)
            _, group = np.unique(group * (int(code.max()) + 1) + code.reshape(-1), return_inverse=True)
            group = group.reshape(-1)
    if not group.any():
        return [np.arange(n)]
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    return np.split(order, bounds)
