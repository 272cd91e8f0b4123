"""Decision support in the running service: run after each picture refresh.

:class:`Decider` evaluates the alerts for the latest computed interval, stores each change with
its decision-log entry in one transaction, and hands raised, escalated, lowered and cleared
alerts to the notifiers (which never block). People's actions go through :meth:`Decider.act`.
The log is written through :mod:`crowdsafety.service.audit`, so its hash chain stays linear.
"""

from __future__ import annotations

import bisect
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from crowdsafety.decide import (
    SYSTEM,
    ActionRequest,
    AlertChange,
    Change,
    Conditions,
    DecisionDraft,
    GroupAdvice,
    MeasureDue,
    Playbook,
    Situation,
    UnknownAlert,
    Verification,
    ZoneOutlook,
    alert_message,
    apply_action,
    evaluate_alerts,
    load_playbook,
    measures_due,
    public_advice,
    verify_chain,
)
from crowdsafety.decide.access import (
    Blockage,
    EmergencyRoute,
    RouteStatus,
    load_routes,
    route_status,
)
from crowdsafety.domain import Level, SensorKind, Site, ZoneState
from crowdsafety.domain.decision import (
    AlertKind,
    AlertRecord,
    AlertStatus,
    DecisionEntry,
)
from crowdsafety.domain.events import PlannedEvent
from crowdsafety.notify import Notifier, Notifiers, notifiers_from_env
from crowdsafety.service import audit, incidents
from crowdsafety.service.runtime import Runtime

log = logging.getLogger(__name__)

#: Role written in the log for what the service decides by itself.
SYSTEM_ROLE = "decision support"
#: How far back weather observations count for the heat and rain factors.
WEATHER_WINDOW = timedelta(hours=1)
#: How far ahead stored forecasts are read for expected alerts (beyond any measure's lead time).
FORECAST_AHEAD = timedelta(hours=24)

OutlookSource = Callable[[datetime], Sequence[ZoneOutlook]]


@dataclass(frozen=True)
class AlertView:
    """An alert with its measures as of now."""

    alert: AlertRecord
    measures: list[MeasureDue]


class Decider:
    """Decision support for the site of ``runtime`` (thread-safe).

    ``outlooks(at)``: the forecast known at ``at`` as zone outlooks (none: no expected alerts);
    ``events``: planned events (see :class:`~crowdsafety.domain.events.PlannedEvent`);
    ``routes``: the site's emergency routes.
    """

    def __init__(self, runtime: Runtime, playbook: Playbook, *, notifier: Notifier | None = None,
                 outlooks: OutlookSource | None = None, events: Sequence[PlannedEvent] = (),
                 routes: Sequence[EmergencyRoute] = ()):
        self.runtime = runtime
        self.playbook = playbook
        self.notifier = notifier or Notifiers()
        self.outlooks = outlooks
        self.events = tuple(events)
        self.routes = tuple(routes)
        self._lock = threading.RLock()

    @property
    def site(self) -> Site:
        return self.runtime.site

    # -- after each refresh -------------------------------------------------------------------

    def evaluate(self) -> list[AlertChange]:
        """Evaluate alerts for the latest stored interval; store, log and announce the changes."""
        store, site = self.runtime.store, self.site
        with self._lock:
            latest = store.latest_zone_states(self.runtime.clock.now())
            if not latest:
                return []
            at = max(s.start for s in latest.values())
            step = timedelta(seconds=site.interval_s)
            rules = self.playbook.alerts
            window = timedelta(minutes=max(rules.min_duration_min, rules.clear_after_min)) + step
            states: dict[str, list[ZoneState]] = {}
            for s in store.zone_states(start=at - window, end=at + step):
                states.setdefault(s.zone_id, []).append(s)
            situation = Situation(at, states, store.sensor_health(),
                                  tuple(self.outlooks(at)) if self.outlooks else (), self.conditions(at))
            changes = evaluate_alerts(site, self.playbook, situation, store.alerts(active=True))
            for change in changes:
                self._record(change)
            return changes

    def conditions(self, at: datetime) -> Conditions:
        """Weather of the last hour (latest temperature, rain in mm/h), events, and the stored
        incidents of the playbook's ``incident_window_min`` in or next to each zone."""
        weather = [s.id for s in self.site.sensors if s.kind is SensorKind.WEATHER]
        temperature = rain = None
        if weather:
            obs = self.runtime.store.observations(start=at - WEATHER_WINDOW + timedelta(seconds=self.site.interval_s),
                                                  end=at + timedelta(seconds=self.site.interval_s), sensor_ids=weather)
            temp = obs[obs["metric"] == "temperature_c"].sort_values("start")
            temperature = float(temp["value"].iloc[-1]) if len(temp) else None
            wet = obs[obs["metric"] == "precipitation_mm"]
            rain = float(wet["value"].sum()) / len(weather) if len(wet) else None
        return Conditions(temperature_c=temperature, rain_mm_per_h=rain, events=self.events,
                          incidents=incidents.risk_incidents(self.runtime, at, self.playbook.risk.incident_window_min),
                          timezone=self.site.timezone)

    def _record(self, change: AlertChange) -> None:
        alert = change.alert
        entry = None
        if change.change is not Change.UPDATED:
            draft = DecisionDraft(
                at=self.runtime.clock.now(), site_id=alert.site_id, who=SYSTEM, role=SYSTEM_ROLE,
                action=change.change.value, reason=change.summary, alert_id=alert.id,
                details={"kind": alert.kind.value, "level": alert.level.value, "risk_level": alert.risk_level.value,
                         "probability": alert.probability, "reasons": list(alert.reasons),
                         "target_at": alert.target_at.isoformat() if alert.target_at else None})
            entry = audit.append(self.runtime, draft, alert)
        else:
            self.runtime.store.put_alert(alert)
        if entry is not None:
            self.notifier.send(alert_message(f"alert.{change.change.value}", change.summary, alert,
                                             self._measures(alert), self.runtime.clock.now()))

    # -- people -------------------------------------------------------------------------------

    def act(self, alert_id: str, request: ActionRequest) -> AlertView:
        """Apply a person's action; stores the alert and its log entry together."""
        with self._lock:
            alert = self._get(alert_id)
            now = self.runtime.clock.now()
            after, draft = apply_action(alert, request, self._measures(alert), now)
            audit.append(self.runtime, draft, after)
            return AlertView(after, self._measures(after))

    # -- reading ------------------------------------------------------------------------------

    def alerts(self, *, include_closed: bool = False, start: datetime | None = None,
               end: datetime | None = None) -> list[AlertView]:
        """Alerts not closed (or all), most urgent first: active, then by level, then newest."""
        found = self.runtime.store.alerts(closed=None if include_closed else False, start=start, end=end)
        found.sort(key=lambda a: (not a.active, a.status is AlertStatus.CLOSED, -a.level.rank,
                                  -a.raised_at.timestamp()))
        return [AlertView(a, self._measures(a)) for a in found]

    def alert(self, alert_id: str) -> AlertView:
        alert = self._get(alert_id)
        return AlertView(alert, self._measures(alert))

    def decisions(self, *, alert_id: str | None = None, after_seq: int = 0,
                  limit: int | None = None) -> list[DecisionEntry]:
        return self.runtime.store.decisions(alert_id=alert_id, after_seq=after_seq, limit=limit)

    def verify(self) -> Verification:
        """Recompute the decision log's hash chain."""
        return verify_chain(self.runtime.store.decisions())

    def advice(self) -> list[GroupAdvice]:
        """Public advice per zone group from the held levels (no counts)."""
        now = self.runtime.clock.now()
        fresh_after = now - timedelta(seconds=self.site.interval_s * (self.site.stale_after_intervals + 1))
        levels: dict[str, Level | None] = {}
        for zone_id, s in self.runtime.store.latest_zone_states(now).items():
            levels[zone_id] = Level.GREEN if s.level is not None and s.start >= fresh_after else None
        for a in self.runtime.store.alerts(active=True):
            if a.kind is AlertKind.OBSERVED and levels.get(a.subject) is not None:
                levels[a.subject] = a.level
        return public_advice(self.site, self.playbook, levels)

    def route_status(self) -> list[RouteStatus]:
        """Emergency routes crossing zones held orange or red now, or expected to be."""
        now: dict[str, Level | None] = {}
        ahead: dict[str, Blockage] = {}
        for a in self.runtime.store.alerts(active=True):
            if a.kind is AlertKind.OBSERVED:
                now[a.subject] = a.level
            elif a.kind is AlertKind.EXPECTED:
                ahead[a.subject] = Blockage(a.subject, a.level, a.target_at, a.probability)
        return route_status(self.routes, now, ahead)

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the notifiers (delivering what they can within ``timeout_s``)."""
        self.notifier.close(timeout_s)

    def _get(self, alert_id: str) -> AlertRecord:
        alert = self.runtime.store.alert(alert_id)
        if alert is None:
            raise UnknownAlert(f"no alert {alert_id[:120]!r}")
        return alert

    def _measures(self, alert: AlertRecord) -> list[MeasureDue]:
        entries = self.runtime.store.decisions(alert_id=alert.id)
        return measures_due(alert, self.playbook, self.runtime.clock.now(), entries)


def outlooks_from_forecasts(frame: pd.DataFrame) -> list[ZoneOutlook]:
    """Zone outlooks from issued forecast rows (``p_yellow`` .. ``p_red`` per zone and target
    hour, see :mod:`crowdsafety.store.forecast_rows`); per zone and target the latest issued."""
    if frame.empty:
        return []
    latest = frame.sort_values("issued_at").drop_duplicates(["zone_id", "start"], keep="last")
    red = latest["p_red"].to_numpy(float)
    orange = red + latest["p_orange"].to_numpy(float)
    yellow = orange + latest["p_yellow"].to_numpy(float)
    starts = [t.to_pydatetime() for t in latest["start"]]
    issues = [t.to_pydatetime() for t in latest["issued_at"]]
    return [ZoneOutlook(str(z), s, {Level.YELLOW: min(1.0, y), Level.ORANGE: min(1.0, o), Level.RED: r}, i)
            for z, s, i, y, o, r in zip(latest["zone_id"], starts, issues, yellow.tolist(), orange.tolist(),
                                        red.tolist())]


class IssuedOutlooks:
    """An outlook source over forecasts loaded at once (for replays): at ``at`` the outlooks of
    the latest issue at or before ``at``."""

    def __init__(self, frame: pd.DataFrame):
        self._issues: list[datetime] = []
        self._outlooks: list[list[ZoneOutlook]] = []
        if not frame.empty:
            for issued, rows in frame.groupby("issued_at", sort=True):
                self._issues.append(pd.Timestamp(issued).to_pydatetime())  # type: ignore[arg-type]
                self._outlooks.append(outlooks_from_forecasts(rows))

    def __call__(self, at: datetime) -> list[ZoneOutlook]:
        i = bisect.bisect_right(self._issues, at) - 1
        return self._outlooks[i] if i >= 0 else []


def stored_outlooks(runtime: Runtime, *, model: str | None = None, ahead: timedelta = FORECAST_AHEAD) -> OutlookSource:
    """The outlooks known at ``at``: the latest forecasts issued by then for targets up to
    ``ahead`` later (``model``: one model's; None: whichever was issued last)."""
    def outlooks(at: datetime) -> list[ZoneOutlook]:
        frame = runtime.store.forecasts(start=at, end=at + ahead, model=model, issued_by=at, latest_only=True)
        return outlooks_from_forecasts(frame.dropna(subset=["p_red", "p_orange", "p_yellow"]))
    return outlooks


def build_decider(runtime: Runtime, *, env: Mapping[str, str] | None = None,
                  outlooks: OutlookSource | None = None) -> Decider:
    """A Decider with the site's playbook, planned events and emergency routes, the stored
    forecasts as its outlooks (unless ``outlooks`` is given), and the notifiers that the
    environment configures (``CROWDSAFETY_WEBHOOK_URL``, ``CROWDSAFETY_MQTT``)."""
    from crowdsafety.sources.events_toml import load_events

    site = runtime.site
    playbook = load_playbook(site)
    longest = max((m.lead_time_min for m in playbook.measures), default=0)
    ahead = max(FORECAST_AHEAD, timedelta(minutes=max(longest, playbook.alerts.default_lookahead_min)))
    return Decider(runtime, playbook, notifier=notifiers_from_env(site.id, os.environ if env is None else env),
                   outlooks=outlooks or stored_outlooks(runtime, ahead=ahead), events=load_events(site),
                   routes=load_routes(site))
