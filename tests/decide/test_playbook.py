"""Playbook loading: the shipped playbooks load, a bad one is refused naming every problem."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from crowdsafety.decide import Playbook, load_playbook
from crowdsafety.domain import Level, Site, SiteDefinitionError
from crowdsafety.sites import load_site

GOOD = """
[owners]
police = "Police"
[[measure]]
id = "m1"
level = "orange"
owner = "police"
lead_time_minutes = 30
title = "Do something"
"""


def test_scheveningen_playbook_is_realistic(site: Site, playbook: Playbook):
    assert playbook.source and playbook.source.endswith("playbook.toml")
    orange = playbook.measures_for("pier", Level.ORANGE)
    ids = {m.id for m in orange}
    # the orange package of the Hague coast: channels, motorway signs, traffic controllers, closed
    # access roads, other garages, extra trams, hosts, police and enforcement; yellow adds up
    assert {"o-channels", "o-motorway-signs", "o-traffic-controllers", "o-close-access-roads",
            "o-redirect-garages", "o-extra-trams", "o-more-hosts", "o-police-enforcement", "o-enforcement",
            "y-hosts", "o-pier-entrance"} <= ids
    assert not any(m.level is Level.RED for m in orange)
    assert "o-pier-entrance" not in {m.id for m in playbook.measures_for("zuiderstrand", Level.ORANGE)}
    signs = next(m for m in orange if m.id == "o-motorway-signs")
    assert "Scheveningen vol" in signs.title and signs.public_nl and signs.public_en
    assert "GRIP" in next(m for m in playbook.measures_for("pier", Level.RED) if m.id == "r-grip").title
    assert all(m.owner in playbook.owners for m in playbook.measures)
    # the expected-alert window is the longest lead time: traffic controllers need 4 h
    assert playbook.lookahead_min("pier", Level.ORANGE) == 240
    assert playbook.groups["pier"].alternatives[0] == "beach-south"


def test_auckland_playbook_loads():
    auckland = load_site(Path(str(resources.files("crowdsafety") / "demo_sites" / "auckland")))
    book = load_playbook(auckland)
    assert book.alerts.min_duration_min == 60 and len(book.measures) == 4


def test_site_without_playbook_gets_defaults(mini_site: Site):
    book = load_playbook(mini_site)
    assert book.source is None and book.measures == ()
    assert book.alerts.expected_probability == 0.6
    assert book.lookahead_min("beach", Level.ORANGE) == 180


def test_good_minimal_playbook(tmp_path: Path, mini_site: Site):
    (tmp_path / "p.toml").write_text(GOOD)
    book = load_playbook(mini_site, tmp_path / "p.toml")
    assert [m.id for m in book.measures] == ["m1"] and book.measures[0].zones is None
    assert book.lookahead_min("square", Level.ORANGE) == 30


def test_bad_playbook_names_every_problem(tmp_path: Path, mini_site: Site):
    (tmp_path / "p.toml").write_text("""
colour = "x"
[alerts]
expected_probability = 1.5
min_duration_minutes = false
observed_from = "purple"
[owners]
police = "Police"
[public.groups.nowhere]
nl = "nergens"
en = "nowhere"
[[measure]]
id = "a"
level = "oranje"
owner = "firemen"
lead_time_minutes = -5
title = ""
zones = ["beach", "moon"]
public_nl = "Alleen Nederlands"
[[measure]]
id = "a"
level = "red"
owner = "police"
lead_time_minutes = 10
title = "Twice"
groups = []
""")
    with pytest.raises(SiteDefinitionError) as caught:
        load_playbook(mini_site, tmp_path / "p.toml")
    text = str(caught.value)
    for expected in (
        "p.toml: colour: unknown key",
        "alerts.expected_probability: must be above 0 and at most 1",
        "alerts.min_duration_minutes: must be a non-negative int, got False",
        "alerts.observed_from: unknown level 'purple'",
        "public.groups.nowhere: no zone has group 'nowhere'",
        "measure[0] (a).level: unknown level 'oranje'",
        "measure[0] (a).owner: 'firemen' is not a key of [owners] (police)",
        "measure[0] (a).lead_time_minutes: must be whole minutes >= 0, got -5",
        "measure[0] (a).title: needs a `title`",
        "measure[0] (a).zones: unknown zone 'moon'",
        "measure[0] (a): public message needs both `public_nl` and `public_en`",
        "measure[1] (a): duplicate measure id 'a'",
        "measure[1] (a): `zones`/`groups` given but empty",
    ):
        assert expected in text, f"{expected!r} missing from:\n{text}"


def test_unreadable_playbook(tmp_path: Path, mini_site: Site):
    (tmp_path / "p.toml").write_text("[owners\n")
    with pytest.raises(SiteDefinitionError, match="p.toml: cannot read"):
        load_playbook(mini_site, tmp_path / "p.toml")
