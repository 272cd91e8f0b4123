"""Public advice: colour per group, a quiet alternative, notices, never a count."""

from __future__ import annotations

from crowdsafety.decide import Playbook, public_advice
from crowdsafety.domain import Level, Site


def test_busy_pier_points_to_quiet_zuiderstrand(site: Site, playbook: Playbook):
    levels = {z.id: Level.GREEN for z in site.zones} | {"pier": Level.ORANGE, "strand_bad": Level.YELLOW}
    levels["haven"] = None
    advice = {a.group: a for a in public_advice(site, playbook, levels)}
    pier = advice["pier"]
    assert pier.level is Level.ORANGE and pier.alternative == "beach-south"
    assert pier.message_en == "Very busy at the Pier: come later or go elsewhere — Zuiderstrand is quiet"
    assert pier.message_nl == "Erg druk bij de Pier: kom later of ga ergens anders heen — het Zuiderstrand is rustig"
    assert "Scheveningen vol: volg de borden naar P+R." in pier.notices_nl
    assert "The Pier is full. Please wait or come back later." in pier.notices_en
    assert advice["beach-south"].message_en == "Quiet at Zuiderstrand" and advice["beach-south"].notices_en == ()
    assert advice["beach-central"].level is Level.YELLOW
    assert advice["harbour"].level is None and advice["harbour"].message_en is None
    text = repr(list(advice.values()))
    assert not any(ch.isdigit() for ch in text.replace("lijn 1 en 9", "").replace("lines 1 and 9", "")
                   .replace("tram 1, 9", ""))


def test_no_quiet_alternative_means_no_suggestion(site: Site, playbook: Playbook):
    levels = {z.id: Level.YELLOW for z in site.zones}
    pier = next(a for a in public_advice(site, playbook, levels) if a.group == "pier")
    assert pier.alternative is None and pier.message_en == "Busy at the Pier"


def test_group_colour_is_its_busiest_zone(site: Site, playbook: Playbook):
    levels = {"boulevard": Level.GREEN, "noordboulevard": Level.RED}
    boulevard = next(a for a in public_advice(site, playbook, levels) if a.group == "boulevard")
    assert boulevard.level is Level.RED and boulevard.message_en == "Too crowded at the Boulevard: do not come"
