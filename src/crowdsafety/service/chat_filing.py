"""Files a chatbot report as an incident (source ``chatbot``) through the incident service.

The passenger's "when" is free text ("gisteravond 22:00"): it goes into the description and the
incident's time is the time of the report. A report without a line or a stop is placed at the
middle of the site's transit stops and says "[place not given]" in its description, since an
incident needs a place.
"""

from __future__ import annotations

from collections.abc import Callable

from crowdsafety.chat import ChatReport
from crowdsafety.domain.incident import IncidentSource
from crowdsafety.service import incidents
from crowdsafety.service.runtime import Runtime

WHO, ROLE = "chatbot", "passenger"  # in the incident history and the audit trail
NO_PLACE = "[place not given]"


def incident_filer(runtime: Runtime) -> Callable[[ChatReport], str]:
    """A ``file`` callable for :class:`~crowdsafety.service.chat_sessions.ChatSessions`: files
    the report and returns the incident's reference code (raises ``IncidentError`` when the
    incident service refuses it)."""

    def file(report: ChatReport) -> str:
        description = report.description
        if report.when:
            description += f" (when: {report.when})"
        point = None
        if report.line is None and report.stop_id is None:
            point = _middle(runtime)
            description = f"{NO_PLACE} {description}"
        filed = incidents.report(runtime, incidents.IncidentReport(
            source=IncidentSource.CHATBOT, category=report.category, urgency=report.urgency,
            description=description, point=point, line=report.line, direction=report.direction,
            stop_id=report.stop_id, vehicle=report.vehicle), who=WHO, role=ROLE)
        return filed.ref

    return file


def _middle(runtime: Runtime) -> tuple[float, float] | None:
    positions = list(incidents.stop_positions(runtime.site).values())
    if not positions:
        return None
    return (sum(p[0] for p in positions) / len(positions), sum(p[1] for p in positions) / len(positions))
