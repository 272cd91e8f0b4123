"""The live updates read /api/v1/events with fetch() (the key in a header): the stream parser,
and reconnecting when the server ends a stream."""

from urllib.parse import urlsplit

from playwright.sync_api import expect

from crowdsafety.api.routers import live

from .harness import NOW, mini_rows, open_dashboard

#: Pieces of a text/event-stream as they may arrive: fields and line ends cut anywhere.
PIECES = ["retry: 25", "00\r", "\nevent: interval\ndata: {\"a\"", ":1}\n", "\n: keep-alive\n\ndata: one\ndata: two\r\n\r",
          "\nevent: x\nid: 7\ndata\n\n", "data: not ended yet\n"]


def test_parser_assembles_events_from_pieces_cut_anywhere(mini_server, page):
    page.goto(mini_server.url + "/?lang=en")
    got = page.evaluate("""async (pieces) => {
        const { EventParser } = await import("/static/js/events.js");
        const parser = new EventParser();
        const events = pieces.flatMap((piece) => parser.push(piece));
        return { events, retry: parser.retry };
    }""", PIECES)
    assert got == {"retry": 2500, "events": [{"type": "interval", "data": '{"a":1}'},
                                             {"type": "message", "data": "one\ntwo"},
                                             {"type": "x", "data": ""}]}


def test_stream_reconnects_with_the_key_after_the_server_ends_it(mini_server, mini_runtime, operator_key, page,
                                                                  monkeypatch):
    monkeypatch.setattr(live, "MAX_STREAM_S", 1.0)  # every stream ends after a second
    monkeypatch.setattr(live, "RETRY_MS", 200)
    streams = []
    page.on("request", lambda r: streams.append(r.headers.get("authorization"))
            if urlsplit(r.url).path == "/api/v1/events" else None)
    open_dashboard(page, mini_server.url + "/?lang=en", operator_key)
    expect(page.locator(".live-dot.on")).to_have_count(1)
    page.wait_for_timeout(2500)
    assert len(streams) >= 2 and set(streams) == {f"Bearer {operator_key}"}
    mini_runtime.clock.advance(300)
    mini_runtime.ingest(mini_rows(NOW, 1, beach=40_000))  # 2.6 p/m²: red
    mini_runtime.refresh()
    expect(page.locator('path[data-zone="beach"]')).to_have_attribute("data-level", "red")
    assert page.console.problems == []
