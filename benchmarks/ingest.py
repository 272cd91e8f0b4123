"""Ingest throughput, both targets of the foundation issue in one run.

1. bulk into the embedded DuckDB store, 1,000,000 observations (target >= 200,000/s);
2. over HTTP on loopback in batches of 1,000 (target >= 20,000/s).

    .venv/bin/python benchmarks/ingest.py

Each part has its own script with options (``ingest_bulk.py``, ``ingest_http.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import ingest_bulk  # noqa: E402
import ingest_http  # noqa: E402

if __name__ == "__main__":
    sys.argv = sys.argv[:1]
    ingest_bulk.main()
    ingest_http.main()
