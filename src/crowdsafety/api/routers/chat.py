"""The passenger chatbot over HTTP, no key needed: ``POST /api/v1/chat`` and the page ``/chat``.

The conversation is kept in memory by :class:`~crowdsafety.service.chat_sessions.ChatSessions`
(``app.state.chat``, which also files reports); a client gets ``chat_rate_per_s`` messages a
second with a burst of ``CHAT_BURST``, counted under a keyed hash of its address that lives only
in memory and is never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from importlib import resources
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from crowdsafety.api.ratelimit import RowLimiter
from crowdsafety.api.schemas import BODY_ERRORS, Problem
from crowdsafety.service.chat_sessions import ChatSessions, UnknownConversation

router = APIRouter(tags=["chat"])
CHAT_RATE_PER_S = 0.5  # messages per second per client, sustained
CHAT_BURST = 10.0  # messages at once per client
_SECRET = secrets.token_bytes(32)  # per process: the client hashes cannot be linked across restarts


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


def get_chat_limiter(request: Request) -> RowLimiter:
    limiter = getattr(request.app.state, "chat_limiter", None)
    if limiter is None:
        limiter = request.app.state.chat_limiter = RowLimiter(rows_per_s=CHAT_RATE_PER_S, burst=CHAT_BURST)
    return limiter


def client_key(request: Request) -> str:
    """A keyed hash of the client's address: enough to count its messages, not to find it."""
    host = request.client.host if request.client else ""
    return hmac.new(_SECRET, host.encode(), hashlib.sha256).hexdigest()[:24]


ChatDep = Annotated[ChatSessions, Depends(get_chat)]
LimiterDep = Annotated[RowLimiter, Depends(get_chat_limiter)]


@router.post("/api/v1/chat", operation_id="post_chat", response_model=ChatOut,
             responses={404: {"model": Problem, "description": "unknown or expired conversation_id"},
                        429: {"model": Problem, "description": "too many messages; see Retry-After"},
                        503: {"model": Problem, "description": "the chatbot is not set up"}, **BODY_ERRORS})
def post_chat(body: ChatIn, request: Request, chat: ChatDep, limiter: LimiterDep) -> ChatOut:
    """Send a passenger message and get the chatbot's reply (Dutch, English or Italian). An
    emergency is answered at once with 112; otherwise it asks what is missing, gives the agreed
    advice and files the report anonymously, answering its reference code."""
    wait = limiter.take(client_key(request), 1)
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
