"""The passenger chatbot: a deterministic dialogue in Dutch, English and Italian.

:func:`recognise_language` picks the language of a first message, :func:`understand` reads a
message's category, line, stop, vehicle, direction, time and urgency, and :func:`reply` moves a
:class:`Conversation` one turn on, answering only with the agreed texts of ``advice.toml``
(:func:`load_texts`) and filing the report through a callable given to it. Imports only
``crowdsafety.domain``.
"""

from crowdsafety.chat.dialogue import ChatReport, Conversation, Turn, reply
from crowdsafety.chat.language import LANGUAGES, recognise_language
from crowdsafety.chat.texts import Texts, load_texts
from crowdsafety.chat.understand import KnownStop, Understanding, understand

__all__ = ["LANGUAGES", "ChatReport", "Conversation", "KnownStop", "Texts", "Turn", "Understanding",
           "load_texts", "recognise_language", "reply", "understand"]
