"""The Scheveningen site and its playbook."""

from __future__ import annotations

import pytest

from crowdsafety.decide import Playbook, load_playbook
from crowdsafety.domain import Site
from crowdsafety.sites import load_site

from .builders import SCHEVENINGEN


@pytest.fixture(scope="session")
def site() -> Site:
    return load_site(SCHEVENINGEN)


@pytest.fixture(scope="session")
def playbook(site: Site) -> Playbook:
    return load_playbook(site)
