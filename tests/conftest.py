"""Shared fixtures: the small test site."""

from pathlib import Path

import pytest

from crowdsafety.sites import load_site

MINI_SITE = Path(__file__).parent / "sites" / "fixtures" / "mini"


@pytest.fixture(scope="session")
def mini_site():
    return load_site(MINI_SITE)
