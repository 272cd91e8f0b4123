"""The dialogue: a deterministic state machine over a plain, serialisable :class:`Conversation`.

Each passenger message is read with :func:`understand` and merged into the conversation. The
reply is made only of agreed texts (:mod:`crowdsafety.chat.texts`):

1. an emergency (a weapon, someone hurt, an attack now) gets the emergency text with 112 at
   once, in the reply to the message that says so — the first reply when the first message does;
2. then one question for what is still missing, in the order category, line, stop, time; each is
   asked at most once ("I don't know" to the line skips the stop), and an emergency asks only
   where it is;
3. when nothing is missing: the advice for the category (not after the emergency text), the
   report filed through the given callable (its description scrubbed of personal data), and the
   reference code with the address where its status can be seen. When filing fails (a
   :class:`CrowdSafetyError`), the passenger is told so and the next message tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace

from crowdsafety.chat.language import recognise_language
from crowdsafety.chat.texts import Texts, load_texts
from crowdsafety.chat.understand import KnownStop, understand
from crowdsafety.domain.errors import CrowdSafetyError
from crowdsafety.domain.incident import IncidentCategory, Urgency
from crowdsafety.domain.privacy import scrub

#: Categories whose urgency is high while the situation is still going on (medical: unless a
#: time is given, someone unwell is taken to be unwell now).
HIGH_WHEN_ONGOING = (IncidentCategory.HARASSMENT, IncidentCategory.AGGRESSION, IncidentCategory.MEDICAL)
QUESTIONS = ("category", "line", "stop", "when")


@dataclass
class Conversation:
    """The state of one conversation; only plain values (see :meth:`to_dict`). ``notes``: the
    passenger's messages, scrubbed; ``asked``: the questions asked so far."""

    language: str | None = None
    category: str | None = None
    urgency: str = Urgency.NORMAL.value
    line: str | None = None
    stop_id: str | None = None
    stop_name: str | None = None
    vehicle: str | None = None
    direction: str | None = None
    when: str | None = None
    now: bool = False
    asked: list[str] = field(default_factory=list)
    emergency_told: bool = False
    done: bool = False
    ref: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Conversation:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"conversation: unknown field(s) {sorted(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class ChatReport:
    """What is filed: the incident as the passenger described it, ``description`` scrubbed."""

    language: str
    category: IncidentCategory
    urgency: Urgency
    line: str | None
    stop_id: str | None
    stop_name: str | None
    vehicle: str | None
    direction: str | None
    when: str | None
    description: str


@dataclass(frozen=True)
class Turn:
    """One reply: the conversation after it, the text, and the reference code once filed."""

    conversation: Conversation
    text: str
    done: bool
    ref: str | None = None


def reply(conversation: Conversation, text: str, *, file: Callable[[ChatReport], str],
          stops: tuple[KnownStop, ...] = (), lines: tuple[str, ...] = (), language: str | None = None,
          texts: Texts | None = None) -> Turn:
    """Answer ``text``. ``file`` files a report and returns its reference code (raising a
    :class:`CrowdSafetyError` when it cannot); ``stops`` and
    ``lines`` are the site's; ``language`` a language chosen by the passenger (else recognised
    from the first message). ``conversation`` itself is not changed."""
    texts = texts or load_texts()
    state = replace(conversation, asked=list(conversation.asked), notes=list(conversation.notes))
    if state.language is None:
        state.language = recognise_language(text, language)
    if state.done:
        return Turn(state, texts.message(state.language, "already_filed", ref=state.ref or ""), True, state.ref)
    _merge(state, text, stops, lines)
    parts = []
    if state.urgency == Urgency.EMERGENCY.value and not state.emergency_told:
        parts.append(texts.message(state.language, "emergency"))
        state.emergency_told = True
    question = next_question(state)
    if question:
        state.asked.append(question)
        parts.append(texts.message(state.language, f"ask_{question}"))
        return Turn(state, "\n\n".join(parts), False)
    if state.category is None:
        state.category = IncidentCategory.OTHER.value
    if not state.emergency_told:
        parts.append(texts.advice[state.language][IncidentCategory(state.category)])
    try:
        state.ref = file(_report(state))
    except CrowdSafetyError:  # not filed: the next message tries again
        parts.append(texts.message(state.language, "not_filed"))
        return Turn(state, "\n\n".join(parts), False)
    state.done = True
    parts.append(texts.message(state.language, "filed", ref=state.ref))
    return Turn(state, "\n\n".join(parts), True, state.ref)


def next_question(state: Conversation) -> str | None:
    """The next question to ask (``category``, ``line``, ``stop``, ``when``), or None."""
    emergency = state.urgency == Urgency.EMERGENCY.value
    missing = {
        "category": state.category is None and not emergency,
        "line": state.line is None and (state.stop_id is None or not emergency),
        "stop": state.stop_id is None and not emergency,
        "when": state.when is None and not state.now and not emergency,
    }
    return next((q for q in QUESTIONS if missing[q] and q not in state.asked), None)


def _merge(state: Conversation, text: str, stops: tuple[KnownStop, ...], lines: tuple[str, ...]) -> None:
    last_asked = state.asked[-1] if state.asked else None
    said = understand(text, stops, lines, bare_number_is_line=last_asked == "line")
    if state.category is None:
        if said.category is not None:
            state.category = said.category.value
        elif last_asked == "category":
            state.category = IncidentCategory.OTHER.value
    if last_asked in ("line", "stop") and said.unknown and said.stop is None:
        state.asked.extend(q for q in ("line", "stop") if q not in state.asked)  # place not known
    if state.line is None and said.line is not None:
        state.line = said.line
    if state.stop_id is None and said.stop is not None:
        state.stop_id, state.stop_name = said.stop.stop_id, said.stop.name
    state.vehicle = state.vehicle or said.vehicle
    state.direction = state.direction or said.direction
    state.when = state.when or said.when
    state.now = state.now or said.now
    state.notes.append(scrub(text))
    if said.emergency or state.urgency == Urgency.EMERGENCY.value:
        state.urgency = Urgency.EMERGENCY.value
    elif state.category is not None and _ongoing(state, IncidentCategory(state.category)):
        state.urgency = Urgency.HIGH.value
    else:
        state.urgency = Urgency.NORMAL.value


def _ongoing(state: Conversation, category: IncidentCategory) -> bool:
    """Said to be going on now; someone unwell counts as now unless a time was given."""
    if category == IncidentCategory.MEDICAL:
        return state.now or state.when is None
    return state.now and category in HIGH_WHEN_ONGOING


def _report(state: Conversation) -> ChatReport:
    return ChatReport(
        language=state.language or "en",
        category=IncidentCategory(state.category or IncidentCategory.OTHER.value),
        urgency=Urgency(state.urgency),
        line=state.line, stop_id=state.stop_id, stop_name=state.stop_name, vehicle=state.vehicle,
        direction=state.direction, when=state.when, description=" / ".join(state.notes),
    )
