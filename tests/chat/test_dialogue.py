import json

import pytest

from crowdsafety.chat import ChatReport, Conversation, load_texts, reply
from crowdsafety.domain.incident import IncidentCategory, Urgency

LINES = ("1", "9", "11")


class Filer:
    def __init__(self):
        self.reports: list[ChatReport] = []

    def __call__(self, report: ChatReport) -> str:
        self.reports.append(report)
        return f"REF{len(self.reports)}"


def talk(turns, stops, language=None):
    filer, state, replies = Filer(), Conversation(), []
    for text in turns:
        turn = reply(state, text, file=filer, stops=stops, lines=LINES, language=language)
        state = turn.conversation
        replies.append(turn)
    return state, replies, filer


def test_asks_only_what_is_missing_one_question_at_a_time(stops):
    texts = load_texts()
    state, replies, filer = talk(["iemand heeft mijn portemonnee gestolen in lijn 1", "Kurhaus", "gisteravond"], stops)
    assert replies[0].text == texts.message("nl", "ask_stop")  # category and line already said
    assert replies[1].text == texts.message("nl", "ask_when")
    assert not replies[0].done and not replies[1].done
    assert replies[2].done and replies[2].ref == "REF1"
    assert replies[2].text.startswith(texts.advice["nl"][IncidentCategory.THEFT])
    assert "/chat?ref=REF1" in replies[2].text
    (report,) = filer.reports
    assert (report.category, report.line, report.stop_id, report.when, report.urgency) == (
        IncidentCategory.THEFT, "1", "HTM:S:kurhaus", "gisteravond", Urgency.NORMAL)


def test_everything_in_the_first_message_is_filed_at_once(stops):
    state, replies, filer = talk(["A man on tram 9 keeps harassing me at the Kurhaus right now"], stops)
    assert replies[0].done and state.urgency == "high" and len(filer.reports) == 1
    assert replies[0].text.startswith(load_texts().advice["en"][IncidentCategory.HARASSMENT])


def test_emergency_gets_112_in_the_first_reply_then_only_where(stops):
    texts = load_texts()
    state, replies, filer = talk(["AIUTO c'è un uomo con un coltello sul tram", "linea 9 al kurhaus"], stops)
    assert replies[0].text.startswith(texts.message("it", "emergency")) and "112" in replies[0].text
    assert replies[0].text.endswith(texts.message("it", "ask_line"))
    assert replies[1].done and "112" not in replies[1].text.split("/chat")[0].replace(texts.message("it", "filed", ref="REF1"), "")
    assert filer.reports[0].urgency == Urgency.EMERGENCY and filer.reports[0].category == IncidentCategory.AGGRESSION


def test_emergency_said_later_still_gets_112_at_once(stops):
    state, replies, _ = talk(["er wordt iemand lastiggevallen", "hij heeft een mes!"], stops)
    assert "112" not in replies[0].text and "112" in replies[1].text
    assert state.urgency == "emergency"


def test_each_question_is_asked_once_and_unknown_category_becomes_other(stops):
    state, replies, filer = talk(["hallo", "ehm", "weet ik niet", "geen idee", "nog iets"], stops)
    assert state.asked == ["category", "line", "stop", "when"]  # "stop" skipped after "weet ik niet"
    assert [r.text for r in replies[1:3]] == [load_texts().message("nl", q) for q in ("ask_line", "ask_when")]
    assert replies[3].done and filer.reports[0].category == IncidentCategory.OTHER
    assert replies[4].text == load_texts().message("nl", "already_filed", ref="REF1")
    assert len(filer.reports) == 1


def test_filed_text_is_scrubbed_and_the_state_is_plain_data(stops):
    state, _, filer = talk(["Hi, my name is John Smith, +31 6 12345678, a man harassed me on tram 9 at Kurhaus yesterday"], stops)
    description = filer.reports[0].description
    assert "John" not in description and "12345678" not in description and "[name]" in description
    assert "John" not in json.dumps(state.to_dict())
    assert Conversation.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_conversation_passed_in_is_not_changed(stops):
    start = Conversation()
    reply(start, "mijn fiets is gestolen", file=Filer(), stops=stops, lines=LINES)
    assert start == Conversation()


def test_from_dict_names_unknown_fields():
    with pytest.raises(ValueError, match="ip_address"):
        Conversation.from_dict({"ip_address": "x"})


def test_chosen_language(stops):
    _, replies, _ = talk(["tram 9 theft"], stops, language="nl")
    assert replies[0].text == load_texts().message("nl", "ask_stop")


@pytest.mark.parametrize(("turns", "urgency"), [
    (["een vrouw is onwel geworden in tram 1 bij Kurhaus"], "high"),  # unwell: taken as now
    (["een vrouw is onwel geworden in tram 1 bij Kurhaus", "gisteren"], "normal"),
    (["twee mannen vechten in lijn 9 bij Kurhaus", "gisteravond"], "normal"),
    (["twee mannen vechten in lijn 9 bij Kurhaus", "nu"], "high"),
    (["de tram is te vol, lijn 9 bij Kurhaus", "nu"], "normal"),
])
def test_urgency(stops, turns, urgency):
    assert talk(turns, stops)[0].urgency == urgency


def test_filing_failure_is_said_and_retried(stops):
    from crowdsafety.domain.errors import StoreError

    calls = []

    def flaky(report):
        calls.append(report)
        if len(calls) == 1:
            raise StoreError("store is down")
        return "REF2"

    first = reply(Conversation(), "mijn fiets is gestolen in lijn 9 bij Kurhaus gisteren", file=flaky, stops=stops, lines=LINES)
    assert not first.done and first.ref is None
    assert first.text.endswith(load_texts().message("nl", "not_filed"))
    second = reply(first.conversation, "hallo?", file=flaky, stops=stops, lines=LINES)
    assert second.done and second.ref == "REF2" and len(calls) == 2
