"""Decision support: playbooks, risk, alerts, measures due, the decision log, public advice.

Handed the picture (zone states, sensor health), forecast outlooks and conditions; imports
neither the store nor the service. Alerts and log entries are domain types
(:mod:`crowdsafety.domain.decision`); the service (:mod:`crowdsafety.service.deciding`) stores,
logs and announces what this stage decides.
"""

from crowdsafety.decide.actions import (
    Action,
    ActionConflict,
    ActionError,
    ActionRequest,
    InvalidAction,
    UnknownAlert,
    apply_action,
)
from crowdsafety.decide.advice import GroupAdvice, public_advice
from crowdsafety.decide.alerts import (
    AlertChange,
    Change,
    Situation,
    alert_id,
    evaluate_alerts,
    replay_alerts,
)
from crowdsafety.decide.expected import Expectation, ZoneOutlook, expected_level
from crowdsafety.decide.log import (
    SYSTEM,
    DecisionDraft,
    Verification,
    seal,
    verify_chain,
)
from crowdsafety.decide.measures import MeasureDue, MeasureState, measures_due
from crowdsafety.decide.messages import alert_dict, alert_message
from crowdsafety.decide.observed import held_level
from crowdsafety.decide.playbook import (
    AlertRules,
    Measure,
    Playbook,
    PublicGroup,
    RiskRules,
    load_playbook,
)
from crowdsafety.decide.risk import Conditions, Factor, Incident, Risk, assess_risk

__all__ = [
    "SYSTEM",
    "Action",
    "ActionConflict",
    "ActionError",
    "ActionRequest",
    "AlertChange",
    "AlertRules",
    "Change",
    "Conditions",
    "DecisionDraft",
    "Expectation",
    "Factor",
    "GroupAdvice",
    "Incident",
    "InvalidAction",
    "Measure",
    "MeasureDue",
    "MeasureState",
    "Playbook",
    "PublicGroup",
    "Risk",
    "RiskRules",
    "Situation",
    "UnknownAlert",
    "Verification",
    "ZoneOutlook",
    "alert_dict",
    "alert_id",
    "alert_message",
    "apply_action",
    "assess_risk",
    "evaluate_alerts",
    "expected_level",
    "held_level",
    "load_playbook",
    "measures_due",
    "public_advice",
    "replay_alerts",
    "seal",
    "verify_chain",
]
