"""The passenger chatbot over HTTP, no key needed: ``POST /api/v1/chat`` and the page ``/chat``.

The conversation is kept in memory by :class:`~crowdsafety.service.chat_sessions.ChatSessions`
(``app.state.chat``, which also files reports); a client address gets ``CHAT_RATE_PER_S``
messages a second with a burst of ``CHAT_BURST``
(:class:`~crowdsafety.api.ratelimit.ClientLimiter`: no address is kept), and a message's body is
at most :data:`MAX_BODY_BYTES`.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from crowdsafety.api.ratelimit import ClientLimiter
from crowdsafety.api.schemas import BODY_ERRORS, Problem
from crowdsafety.service.chat_sessions import ChatSessions, UnknownConversation

router = APIRouter(tags=["chat"])
CHAT_RATE_PER_S = 0.5  # messages per second per client, sustained
CHAT_BURST = 10.0  # messages at once per client
MAX_BODY_BYTES = 16 * 1024  # a message is at most 1,000 characters


class ChatIn(BaseModel):
    """One passenger message; no ``conversation_id`` starts a new conversation."""

    model_config = ConfigDict(strict=True, extra="forbid")
    conversation_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{16,64}$")
    text: str = Field(min_length=1, max_length=1000)
    language: Literal["nl", "en", "it"] | None = None


class ChatOut(BaseModel):
    """The chatbot's reply; ``ref`` once the report is filed (see ``/api/v1/public/incidents/{ref}``)."""

    model_config = ConfigDict(strict=True)
    conversation_id: str
    reply: str
    done: bool
    ref: str | None = None


def get_chat(request: Request) -> ChatSessions:
    chat = getattr(request.app.state, "chat", None)
    if chat is None:
        raise HTTPException(503, "the chatbot is not set up on this server")
    return chat


def get_chat_limiter(request: Request) -> ClientLimiter:
    limiter = getattr(request.app.state, "chat_limiter", None)
    if limiter is None:
        limiter = request.app.state.chat_limiter = ClientLimiter(CHAT_RATE_PER_S, CHAT_BURST)
    return limiter


ChatDep = Annotated[ChatSessions, Depends(get_chat)]
LimiterDep = Annotated[ClientLimiter, Depends(get_chat_limiter)]


@router.post("/api/v1/chat", operation_id="post_chat", response_model=ChatOut,
             responses={404: {"model": Problem, "description": "unknown or expired conversation_id"},
                        429: {"model": Problem, "description": "too many messages; see Retry-After"},
                        503: {"model": Problem, "description": "the chatbot is not set up"}, **BODY_ERRORS},
             max_body_size=MAX_BODY_BYTES)
def post_chat(body: ChatIn, request: Request, chat: ChatDep, limiter: LimiterDep) -> ChatOut:
    """Send a passenger message and get the chatbot's reply (Dutch, English or Italian). An
    emergency is answered at once with 112; otherwise it asks what is missing, gives the agreed
    advice and files the report anonymously, answering its reference code."""
    wait = limiter.take(request.client.host if request.client else "", 1)
    if wait:
        raise HTTPException(429, "too many messages: wait a moment", headers={"Retry-After": str(math.ceil(wait))})
    try:
        conversation_id, turn = chat.say(body.conversation_id, body.text, body.language)
    except UnknownConversation as exc:
        raise HTTPException(404, str(exc)) from None
    return ChatOut(conversation_id=conversation_id, reply=turn.text, done=turn.done, ref=turn.ref)


@router.get("/chat", include_in_schema=False)
def chat_page() -> FileResponse:
    return FileResponse(str(resources.files("crowdsafety") / "web" / "chat.html"))
