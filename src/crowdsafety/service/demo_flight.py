"""Fly a demo's planned drone flight through the service as its replay clock passes each step.

The steps of a :class:`~crowdsafety.sources.scheveningen_flight.DemoFlight` go through the same
doors as a real drone team's: the flight register (:mod:`.flights`: the site's airspace rules,
the audit log) and the aerial upload service (:mod:`.aerial`: each upload parsed from its JSON
text and accepted all or nothing). A step that the service refuses (say an operator registered an
overlapping flight through the dashboard first) is logged and ends the script: the demo goes on
without the rest of the flight.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from crowdsafety.domain import CrowdSafetyError
from crowdsafety.domain.access import Role
from crowdsafety.service import aerial, flights
from crowdsafety.service.runtime import Runtime
from crowdsafety.sources.aerial_uploads import parse_upload
from crowdsafety.sources.scheveningen_flight import DemoFlight, FlightStep

log = logging.getLogger(__name__)

#: Who the audit log names for the drone team's actions, and its role.
WHO = "demo: police drone team"
ROLE = Role.OPERATOR.value


class FlightScript:
    """Plays ``plan`` on ``runtime``: call :meth:`advance` after each move of the clock;
    ``say`` gets a line per step done (default: the log, at info)."""

    def __init__(self, runtime: Runtime, plan: DemoFlight, say: Callable[[str], None] = log.info):
        self.runtime, self.plan, self.say = runtime, plan, say
        self.flight_id: str | None = None
        self.incident_refs: list[str] = []
        self._pending = list(plan.steps)

    def advance(self) -> None:
        """Do every step due at the clock's now, in order."""
        now = self.runtime.clock.now()
        while self._pending and self._pending[0].at <= now:
            step = self._pending.pop(0)
            try:
                self.say(self._do(step))
            except CrowdSafetyError as exc:
                log.warning("demo drone flight stopped at its %s step (%s): %s", step.action, step.at.isoformat(), exc)
                self._pending.clear()

    def _do(self, step: FlightStep) -> str:
        plan = self.plan
        if step.action == "register":
            request = flights.FlightRequest(operator=plan.operator, permit=plan.permit, aircraft=plan.aircraft,
                                            purpose=plan.purpose, area=plan.area, start=plan.start, end=plan.end,
                                            max_altitude_m=plan.max_altitude_m)
            self.flight_id = flights.register(self.runtime, request, who=WHO, role=ROLE).id
            return f"drone flight {self.flight_id} registered"
        assert self.flight_id is not None, "a demo flight's first step registers it"
        if step.action == "start":
            flights.start(self.runtime, self.flight_id, who=WHO, role=ROLE)
            return f"drone flight {self.flight_id} started"
        if step.action == "end":
            flights.end(self.runtime, self.flight_id, who=WHO, role=ROLE)
            return f"drone flight {self.flight_id} ended"
        drafts = parse_upload(json.dumps(step.upload), "json")
        result = aerial.accept(self.runtime, self.flight_id, drafts, who=WHO, role=ROLE)
        self.incident_refs += result.incident_refs
        return (f"drone flight {self.flight_id}: {result.accepted} observations"
                + (f", incident {', '.join(result.incident_refs)}" if result.incident_refs else "")
                + (f", zones {', '.join(result.zone_ids)}" if result.zone_ids else ""))
