import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crowdsafety.api.ratelimit import ClientLimiter
from crowdsafety.api.routers import chat
from crowdsafety.cli.settings import resolve_site_dir
from crowdsafety.service.chat_sessions import ChatSessions


@pytest.fixture
def filed():
    return []


@pytest.fixture
def app(filed):
    app = FastAPI()
    app.include_router(chat.router)

    def file(report):
        filed.append(report)
        return f"CS-TEST{len(filed)}"

    app.state.chat = ChatSessions.for_site(resolve_site_dir("scheveningen"), file)
    return app


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


def test_conversation_to_a_reference_code(client, filed):
    first = client.post("/api/v1/chat", json={"text": "mijn telefoon is gestolen in tram 9"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert not body["done"] and body["ref"] is None and len(body["conversation_id"]) >= 16
    second = client.post("/api/v1/chat", json={"conversation_id": body["conversation_id"], "text": "kurhuas"})
    third = client.post("/api/v1/chat", json={"conversation_id": body["conversation_id"], "text": "vanmiddag"})
    assert third.json()["done"] and third.json()["ref"] == "CS-TEST1"
    assert "/chat?ref=CS-TEST1" in third.json()["reply"]
    assert second.json()["conversation_id"] == body["conversation_id"]
    assert filed[0].stop_id == "HTM:S:kurhaus" and filed[0].line == "9"


def test_emergency_first_reply_and_chosen_language(client):
    reply = client.post("/api/v1/chat", json={"text": "a man with a knife on tram 1", "language": "it"}).json()
    assert reply["reply"].startswith("Chiama subito il 112")


def test_no_address_is_kept(app, client):
    client.post("/api/v1/chat", json={"text": "my name is Anna Jansen, harassed on tram 9 at Kurhaus now"})
    kept = json.dumps([c.to_dict() for c, _ in app.state.chat._open.values()])
    assert "testclient" not in kept and "Anna" not in kept
    assert all("testclient" not in key for key in app.state.chat_limiter._buckets)


@pytest.mark.parametrize("body", [
    {"text": ""}, {"text": "x" * 1001}, {"text": "hi", "language": "de"}, {"text": "hi", "ip": "1.2.3.4"},
    {"text": 5}, {"conversation_id": "../../etc", "text": "hi"},
])
def test_malformed_bodies_are_named(client, body):
    response = client.post("/api/v1/chat", json=body)
    assert response.status_code == 422 and response.json()["detail"]


def test_unknown_conversation(client):
    response = client.post("/api/v1/chat", json={"conversation_id": "A" * 24, "text": "hallo"})
    assert response.status_code == 404 and "new one" in response.json()["detail"]


def test_rate_limit_per_client(app, client):
    app.state.chat_limiter = ClientLimiter(0.001, 2)
    codes = [client.post("/api/v1/chat", json={"text": "hallo"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_not_set_up(client, app):
    del app.state.chat
    assert client.post("/api/v1/chat", json={"text": "hallo"}).status_code == 503


def test_page(client):
    page = client.get("/chat")
    assert page.status_code == 200 and '/static/js/chat.js' in page.text and "<script>" not in page.text
