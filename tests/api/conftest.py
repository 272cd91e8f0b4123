"""An app on the mini site with an in-memory store and a fixed clock."""

from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from crowdsafety.api import create_app
from crowdsafety.domain.access import Role
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.service.keys import create_key
from crowdsafety.store import open_store

NOW = datetime(2026, 7, 5, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def runtime(mini_site):
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    yield rt
    rt.store.close()


@pytest.fixture
def key_for(runtime):
    """Make a key of ``role`` on the runtime's store; returns the whole key text."""

    def make(role: Role = Role.OPERATOR, **kw) -> str:
        return create_key(runtime, name=f"test {role.value}", role=role, actor="tests", actor_role="admin", **kw)[1]

    return make


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(runtime, key_for):
    """A client of the control room (an operator key)."""
    with TestClient(create_app(runtime), headers=bearer(key_for(Role.OPERATOR))) as c:
        yield c
