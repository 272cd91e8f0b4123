import pytest

from crowdsafety.service.chat_sessions import ChatSessions, UnknownConversation


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_conversations_are_kept_apart_and_forgotten_when_idle():
    clock = Clock()
    sessions = ChatSessions(lambda report: "REF", idle_s=60, clock=clock)
    a, _ = sessions.say(None, "mijn fiets is gestolen")
    b, _ = sessions.say(None, "a man harassed me")
    assert a != b and len(sessions) == 2
    _, turn = sessions.say(a, "tram 9")
    assert turn.conversation.category == "theft" and turn.conversation.line == "9"
    clock.now = 61
    with pytest.raises(UnknownConversation):
        sessions.say(a, "gisteren")
    assert len(sessions) == 0


def test_oldest_forgotten_beyond_the_cap():
    sessions = ChatSessions(lambda report: "REF", max_conversations=2)
    first, _ = sessions.say(None, "hallo")
    sessions.say(None, "hallo")
    sessions.say(None, "hallo")
    assert len(sessions) == 2
    with pytest.raises(UnknownConversation):
        sessions.say(first, "hallo")
