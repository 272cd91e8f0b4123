"""The playbook of a site (``playbook.toml`` in the site folder): the measures agreed per level.

Each measure has a level, optionally the zones or zone groups it is for (default: every zone),
an owner (a key of ``[owners]``), the lead time it needs in minutes, and an optional public
message in Dutch and English (both or neither). ``[alerts]``, ``[risk]`` and ``[public]`` tune
the alert rules, the aggravating factors and the public advice; every key has a default.
Loading collects every problem and raises one :class:`SiteDefinitionError` naming file and field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from crowdsafety.domain import Level, Site, SiteDefinitionError, SiteProblem

PLAYBOOK_FILE = "playbook.toml"
LEVELS = tuple(Level)


@dataclass(frozen=True)
class Measure:
    """One agreed measure: ``lead_time_min`` minutes of notice it needs; ``zones`` the zone ids
    it is for (None: every zone); ``public_nl``/``public_en`` what the public is told."""

    id: str
    level: Level
    title: str
    owner: str
    lead_time_min: int
    zones: frozenset[str] | None = None
    public_nl: str | None = None
    public_en: str | None = None

    def applies_to(self, zone_id: str) -> bool:
        return self.zones is None or zone_id in self.zones


@dataclass(frozen=True)
class AlertRules:
    """When alerts are raised and cleared.

    Observed: a zone's level must hold ``min_duration_min`` minutes before it is alerted (from
    ``observed_from`` up); it drops only after ``clear_after_min`` minutes below the level's
    threshold × (1 − ``clear_margin``). Expected: at least ``expected_probability`` (0-1) chance
    of ``expected_from`` or worse within the longest lead time of that level's measures for the
    zone (``default_lookahead_min`` when it has none); it clears below the probability minus
    ``probability_margin``.
    """

    observed_from: Level = Level.YELLOW
    min_duration_min: int = 15
    clear_after_min: int = 30
    clear_margin: float = 0.10
    expected_from: Level = Level.ORANGE
    expected_probability: float = 0.6
    probability_margin: float = 0.10
    default_lookahead_min: int = 180
    sensor_alerts: bool = True


@dataclass(frozen=True)
class RiskRules:
    """Aggravating factors: heat from ``heat_c`` °C, rain from ``rain_mm_per_h`` mm/h, planned
    events from ``event_visitors`` expected visitors, incidents of the last ``incident_window_min``."""

    heat_c: float = 27.0
    rain_mm_per_h: float = 2.0
    event_visitors: int = 10_000
    incident_window_min: int = 60


@dataclass(frozen=True)
class PublicGroup:
    """How the public advice names a zone group, and where it sends people when it is busy."""

    id: str
    name_nl: str
    name_en: str
    alternatives: tuple[str, ...] = ()


DEFAULT_TEXTS: dict[str, tuple[str, str]] = {
    "green": ("Rustig bij {group}", "Quiet at {group}"),
    "yellow": ("Druk bij {group}", "Busy at {group}"),
    "orange": ("Erg druk bij {group}: kom later of ga ergens anders heen",
               "Very busy at {group}: come later or go elsewhere"),
    "red": ("Te druk bij {group}: kom niet naar {group}", "Too crowded at {group}: do not come"),
    "alternative": ("{alternative} is rustig", "{alternative} is quiet"),
}


@dataclass(frozen=True)
class Playbook:
    """A site's measures and rules; ``source`` is the file it came from (None: defaults only)."""

    site_id: str
    owners: Mapping[str, str] = field(default_factory=dict)
    measures: tuple[Measure, ...] = ()
    alerts: AlertRules = AlertRules()
    risk: RiskRules = RiskRules()
    groups: Mapping[str, PublicGroup] = field(default_factory=dict)
    texts: Mapping[str, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_TEXTS))
    source: str | None = None

    def measures_for(self, zone_id: str, level: Level) -> list[Measure]:
        """The measures of ``zone_id`` from the lowest alerted level up to ``level`` (packages add
        up: orange brings yellow's measures too), by level then playbook order."""
        cache: dict[tuple[str, Level], list[Measure]] = self.__dict__.setdefault("_measures_cache", {})
        key = (zone_id, level)
        if key not in cache:
            lowest = min(self.alerts.observed_from.rank, self.alerts.expected_from.rank)
            chosen = [m for m in self.measures if lowest <= m.level.rank <= level.rank and m.applies_to(zone_id)]
            cache[key] = sorted(chosen, key=lambda m: m.level.rank)
        return list(cache[key])

    def lookahead_min(self, zone_id: str, level: Level) -> int:
        """Minutes ahead an expected ``level`` matters: the longest lead time of its measures."""
        leads = [m.lead_time_min for m in self.measures_for(zone_id, level)]
        return max(leads, default=self.alerts.default_lookahead_min) or self.alerts.default_lookahead_min


def load_playbook(site: Site, path: str | Path | None = None) -> Playbook:
    """The playbook at ``path`` (default: ``playbook.toml`` in the site folder), checked against
    the site; defaults only when the site has none. Raises SiteDefinitionError on any problem."""
    if path is None:
        if site.folder is None or not (Path(site.folder) / PLAYBOOK_FILE).exists():
            return Playbook(site_id=site.id)
        path = Path(site.folder) / PLAYBOOK_FILE
    path = Path(path)
    reader = _Reader(path.name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SiteDefinitionError([SiteProblem(path.name, "", f"cannot read: {exc}")]) from None
    playbook = reader.playbook(data, site, str(path))
    if reader.problems:
        raise SiteDefinitionError(reader.problems)
    return playbook


class _Reader:
    """Reads the TOML tables into the playbook, noting every problem instead of stopping."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[SiteProblem] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(SiteProblem(self.file, where, message))

    def playbook(self, data: dict[str, Any], site: Site, source: str) -> Playbook:
        self.unknown("", data, {"version", "alerts", "risk", "owners", "public", "measure"})
        if data.get("version", 1) != 1:
            self.problem("version", f"unknown playbook version {data.get('version')!r} (expected 1)")
        owners = self.owners(data.get("owners", {}))
        groups = {z.group for z in site.zones if z.group}
        zone_ids = {z.id for z in site.zones}
        public = self.table("public", data.get("public", {}))
        self.unknown("public", public, {"texts", "groups"})
        return Playbook(
            site_id=site.id,
            owners=owners,
            measures=self.measures(data.get("measure", []), owners, zone_ids, site),
            alerts=self.rules("alerts", data.get("alerts", {}), AlertRules()),
            risk=self.rules("risk", data.get("risk", {}), RiskRules()),
            groups=self.groups(self.table("public.groups", public.get("groups", {})), groups),
            texts=self.texts(self.table("public.texts", public.get("texts", {}))),
            source=source,
        )

    def table(self, where: str, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        self.problem(where, f"must be a table, got {type(value).__name__}")
        return {}

    def unknown(self, where: str, table: dict[str, Any], known: set[str]) -> None:
        for key in sorted(set(table) - known):
            self.problem(f"{where}.{key}" if where else key, f"unknown key (known: {', '.join(sorted(known))})")

    def level(self, where: str, value: Any) -> Level | None:
        try:
            return Level(value)
        except ValueError:
            self.problem(where, f"unknown level {value!r} (green, yellow, orange, red)")
            return None

    def rules(self, where: str, value: Any, default: Any) -> Any:
        """``default`` (AlertRules or RiskRules) with the table's values, each of the default's type."""
        table = self.table(where, value)
        names = {_file_key(f.name): f.name for f in fields(default)}  # file key -> field
        self.unknown(where, table, set(names))
        values: dict[str, Any] = {}
        for file_key in set(names) & set(table):
            key = names[file_key]
            raw, expected = table[file_key], getattr(default, key)
            if isinstance(expected, Level):
                parsed: Any = self.level(f"{where}.{file_key}", raw)
            elif isinstance(expected, bool):
                parsed = raw if isinstance(raw, bool) else self.wrong(f"{where}.{file_key}", "true or false", raw)
            elif isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < 0 or (
                    isinstance(expected, int) and not isinstance(raw, int)):
                parsed = self.wrong(f"{where}.{file_key}", f"a non-negative {type(expected).__name__}", raw)
            else:
                parsed = type(expected)(raw)
            if parsed is not None:
                values[key] = parsed
        if not 0 < values.get("expected_probability", 0.5) <= 1:
            self.problem(f"{where}.expected_probability", "must be above 0 and at most 1")
        for key in ("clear_margin", "probability_margin"):
            if not values.get(key, 0) < 1:
                self.problem(f"{where}.{key}", f"must be below 1, got {values[key]}")
        return replace(default, **values)

    def wrong(self, where: str, expected: str, got: Any) -> Any:
        """Note that ``got`` is not ``expected``; returns None (no value)."""
        self.problem(where, f"must be {expected}, got {got!r}")
        return None

    def owners(self, value: Any) -> dict[str, str]:
        table = self.table("owners", value)
        for key, name in table.items():
            if not isinstance(name, str) or not name.strip():
                self.problem(f"owners.{key}", "must be the owner's name as text")
        return {k: v for k, v in table.items() if isinstance(v, str)}

    def groups(self, table: dict[str, Any], site_groups: set[str]) -> dict[str, PublicGroup]:
        out = {}
        for gid, raw in table.items():
            where = f"public.groups.{gid}"
            g = self.table(where, raw)
            self.unknown(where, g, {"nl", "en", "alternatives"})
            if gid not in site_groups:
                self.problem(where, f"no zone has group {gid!r} (groups: {', '.join(sorted(site_groups))})")
            alternatives = g.get("alternatives", [])
            if not isinstance(alternatives, list) or not all(isinstance(a, str) for a in alternatives):
                self.problem(f"{where}.alternatives", "must be a list of group ids")
                alternatives = []
            for a in alternatives:
                if a not in site_groups or a == gid:
                    self.problem(f"{where}.alternatives", f"{a!r} is not another zone group of the site")
            names = [g.get(k) for k in ("nl", "en")]
            if not all(isinstance(n, str) and n for n in names):
                self.problem(where, "needs the group's name as `nl` and `en` text")
                continue
            out[gid] = PublicGroup(gid, str(names[0]), str(names[1]), tuple(alternatives))
        return out

    def texts(self, table: dict[str, Any]) -> dict[str, tuple[str, str]]:
        texts = dict(DEFAULT_TEXTS)
        self.unknown("public.texts", table, set(DEFAULT_TEXTS))
        for key, raw in table.items():
            t = self.table(f"public.texts.{key}", raw)
            pair = (t.get("nl"), t.get("en"))
            placeholder = "{alternative}" if key == "alternative" else "{group}"
            if not all(isinstance(x, str) and placeholder in x for x in pair):
                self.problem(f"public.texts.{key}", f"needs `nl` and `en` texts containing {placeholder}")
            elif key in texts:
                texts[key] = (str(pair[0]), str(pair[1]))
        return texts

    def measures(self, rows: Any, owners: dict[str, str], zone_ids: set[str], site: Site) -> tuple[Measure, ...]:
        if not isinstance(rows, list):
            self.problem("measure", "must be an array of tables ([[measure]])")
            return ()
        out: list[Measure] = []
        seen: set[str] = set()
        known = {"id", "level", "title", "owner", "lead_time_minutes", "zones", "groups", "public_nl", "public_en"}
        for i, raw in enumerate(rows):
            m = self.table(f"measure[{i}]", raw)
            mid = m.get("id")
            where = f"measure[{i}]" + (f" ({mid})" if isinstance(mid, str) else "")
            self.unknown(where, m, known)
            ok = True
            if not isinstance(mid, str) or not mid.strip():
                self.problem(where, "needs an `id` (text)")
                ok = False
            elif mid in seen:
                self.problem(where, f"duplicate measure id {mid!r}")
                ok = False
            seen.add(str(mid))
            level = self.level(f"{where}.level", m.get("level"))
            owner, title = m.get("owner"), m.get("title")
            if owner not in owners:
                self.problem(f"{where}.owner", f"{owner!r} is not a key of [owners] ({', '.join(sorted(owners)) or 'none'})")
                ok = False
            if not isinstance(title, str) or not title.strip():
                self.problem(f"{where}.title", "needs a `title` saying what is done")
                ok = False
            lead: Any = m.get("lead_time_minutes")
            if isinstance(lead, bool) or not isinstance(lead, int) or lead < 0:
                self.problem(f"{where}.lead_time_minutes", f"must be whole minutes >= 0, got {lead!r}")
                ok = False
            scope = self.scope(where, m, zone_ids, site)
            nl, en = m.get("public_nl"), m.get("public_en")
            if (nl is None) != (en is None) or any(x is not None and not (isinstance(x, str) and x.strip()) for x in (nl, en)):
                self.problem(where, "public message needs both `public_nl` and `public_en` text (or neither)")
                ok = False
            if ok and level is not None and not isinstance(scope, bool):
                out.append(Measure(str(mid), level, str(title), str(owner), lead, scope, nl, en))
        return tuple(out)

    def scope(self, where: str, m: dict[str, Any], zone_ids: set[str], site: Site) -> frozenset[str] | None | bool:
        """The zone ids a measure covers (None: every zone; False: a problem was noted)."""
        if "zones" not in m and "groups" not in m:
            return None
        chosen: set[str] = set()
        good = True
        for key, known in (("zones", zone_ids), ("groups", {z.group for z in site.zones if z.group})):
            values = m.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                self.problem(f"{where}.{key}", "must be a list of ids")
                good = False
                continue
            for v in values:
                if v not in known:
                    self.problem(f"{where}.{key}", f"unknown {key[:-1]} {v!r}")
                    good = False
            chosen |= set(values) if key == "zones" else {z.id for z in site.zones if z.group in values}
        if good and not chosen:
            self.problem(where, "`zones`/`groups` given but empty: leave both out for every zone")
            good = False
        return frozenset(chosen) if good else False


def _file_key(name: str) -> str:
    """The playbook key of a rules field: ``*_min`` fields are written ``*_minutes``."""
    return name[: -len("_min")] + "_minutes" if name.endswith("_min") else name
