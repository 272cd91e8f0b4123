"""Free text is scrubbed before it reaches the log or an alert: drafts, assignees, incidents."""

from __future__ import annotations

from crowdsafety.decide import Action, ActionRequest, DecisionDraft, apply_action, seal, verify_chain
from crowdsafety.decide.risk import Incident
from crowdsafety.domain import Level
from crowdsafety.domain.decision import AlertKind, AlertRecord

from .builders import T0

ALERT = AlertRecord(id="observed.pier.x", site_id="scheveningen", kind=AlertKind.OBSERVED, subject="pier",
                    zone_ids=("pier",), level=Level.ORANGE, peak_level=Level.ORANGE, risk_level=Level.ORANGE,
                    raised_at=T0, updated_at=T0)


def test_a_draft_scrubs_its_reason_and_every_text_in_its_details():
    draft = DecisionDraft(at=T0, site_id="scheveningen", who="J. de Vries", role="coordinator", action="note",
                          reason="Melder 06-12345678 (jan@example.nl) zag AB-12-CD om 14:30",
                          details={"caller": "mijn naam is Piet Jansen", "count": 5000, "ok": True,
                                   "nested": {"plates": ["12-ABC-3", "tram 11"], "at": "2026-08-14T22:30:00+02:00"}})
    assert draft.reason == "Melder [phone] ([e-mail]) zag [plate] om 14:30"
    assert draft.details == {"caller": "mijn naam is [name]", "count": 5000, "ok": True,
                             "nested": {"plates": ["[plate]", "tram 11"], "at": "2026-08-14T22:30:00+02:00"}}
    assert (draft.who, draft.role) == ("J. de Vries", "coordinator")  # the actor is kept as given
    entry = seal(draft, None)
    assert entry.reason == draft.reason and entry.details == draft.details
    assert verify_chain([entry]).intact


def test_an_assignee_is_scrubbed_on_the_alert_and_in_the_log():
    request = ActionRequest(Action.ASSIGN, "JdV", "coordinator", "bel +31 6 1234 5678", assignee="Politie 0612345678")
    after, draft = apply_action(ALERT, request, [], T0)
    assert after.assignee == "Politie [phone]"
    assert draft.details["assignee"] == "Politie [phone]" and draft.reason == "bel [phone]"


def test_an_incident_description_is_scrubbed_before_it_reaches_alert_reasons():
    incident = Incident("pier", T0, "Vechtpartij, melder Sara (06 87 65 43 21), auto 34-KLM-5 op de nooduitgang")
    assert incident.description == "Vechtpartij, melder Sara ([phone]), auto [plate] op de nooduitgang"
