"""An app on the mini site with an in-memory store and a fixed clock."""

from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from crowdsafety.api import create_app
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.store import open_store

NOW = datetime(2026, 7, 5, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def runtime(mini_site):
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    yield rt
    rt.store.close()


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime)) as c:
        yield c
