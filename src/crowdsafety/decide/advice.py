"""Public advice per zone group: a colour and a message with an alternative, never a count.

The colour of a group is the highest held level of its zones (so it does not flap); a group
none of whose zones has a recent estimate has no colour. A busy group (yellow or worse) points
to the first of its playbook alternatives that is green ("Busy at the Pier — Zuiderstrand is
quiet"), and carries the public messages of its level's measures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from crowdsafety.decide.playbook import Playbook, PublicGroup
from crowdsafety.domain import Level, Site

SEPARATOR = " — "


@dataclass(frozen=True)
class GroupAdvice:
    """Advice for one zone group; ``level`` None when no zone of it has data."""

    group: str
    name_nl: str
    name_en: str
    level: Level | None
    message_nl: str | None
    message_en: str | None
    alternative: str | None = None
    notices_nl: tuple[str, ...] = ()
    notices_en: tuple[str, ...] = ()


def public_groups(site: Site, playbook: Playbook) -> dict[str, tuple[PublicGroup, tuple[str, ...]]]:
    """Each group id (a zone without a group is its own) with its names and its zone ids."""
    members: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for zone in site.zones:
        key = zone.group or zone.id
        members.setdefault(key, []).append(zone.id)
        names.setdefault(key, zone.name if zone.group is None else zone.group)
    out = {}
    for key, zone_ids in members.items():
        group = playbook.groups.get(key) or PublicGroup(key, names[key], names[key])
        out[key] = (group, tuple(zone_ids))
    return out


def public_advice(site: Site, playbook: Playbook, levels: Mapping[str, Level | None]) -> list[GroupAdvice]:
    """Advice per group, in site order; ``levels``: held level per zone id (None/absent: no data)."""
    groups = public_groups(site, playbook)
    colour: dict[str, Level | None] = {}
    for key, (_, zone_ids) in groups.items():
        known = [lv for z in zone_ids if (lv := levels.get(z)) is not None]
        colour[key] = max(known, key=lambda lv: lv.rank) if known else None
    advice = []
    for key, (group, zone_ids) in groups.items():
        level = colour[key]
        if level is None:
            advice.append(GroupAdvice(key, group.name_nl, group.name_en, None, None, None))
            continue
        nl, en = (t.format(group=n) for t, n in zip(playbook.texts[level.value], (group.name_nl, group.name_en)))
        alternative = None
        if level.rank >= Level.YELLOW.rank:
            alternative = next((a for a in group.alternatives if colour.get(a) is Level.GREEN), None)
        if alternative is not None:
            alt, _ = groups[alternative]
            alt_nl, alt_en = playbook.texts["alternative"]
            nl += SEPARATOR + alt_nl.format(alternative=alt.name_nl)
            en += SEPARATOR + alt_en.format(alternative=alt.name_en)
        notices = []
        for zone_id in zone_ids:
            for m in playbook.measures_for(zone_id, level):
                if m.public_nl and m.public_en and (m.public_nl, m.public_en) not in notices:
                    notices.append((m.public_nl, m.public_en))
        advice.append(GroupAdvice(key, group.name_nl, group.name_en, level, _capital(nl), _capital(en), alternative,
                                  tuple(n for n, _ in notices), tuple(e for _, e in notices)))
    return advice


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
