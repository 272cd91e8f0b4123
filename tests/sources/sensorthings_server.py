"""A small SensorThings-shaped server on loopback, for the client's tests (not product code).

Serves ``/v1.1/Things?$expand=Datastreams`` and ``/v1.1/Datastreams(<id>)/Observations`` with
``$filter=phenomenonTime gt <time>``, ``$orderby=phenomenonTime asc|desc``, ``$top`` (capped at
``max_top``, as real servers cap it) and ``$skip``, paging by ``@iot.nextLink``. ``faults`` maps a
piece of the (decoded) request target to a misbehaviour; ``raw`` maps a path to a canned (status, body). Every request's
path and query is kept in ``requests``.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("not_json", "no_value", "value_not_list", "item_not_object", "http_500", "http_404", "loop",
          "other_host", "next_not_string", "slow", "drip", "redirect_away", "huge", "nan")


def _start(observation: dict[str, Any]) -> datetime:
    """The start of an Observation's phenomenonTime; malformed ones sort first."""
    try:
        return datetime.fromisoformat(observation["phenomenonTime"].split("/")[0]).astimezone(timezone.utc)
    except (KeyError, AttributeError, ValueError):
        return datetime.min.replace(tzinfo=timezone.utc)


class SensorThingsServer:
    def __init__(self, things: list[dict[str, Any]], observations: dict[Any, list[dict[str, Any]]], *,
                 max_top: int = 3):
        self.things, self.observations, self.max_top = things, observations, max_top
        self.faults: dict[str, str] = {}
        self.raw: dict[str, tuple[int, bytes]] = {}
        self.requests: list[str] = []
        self.release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1.1"

    def __enter__(self) -> SensorThingsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- answers --------------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if path == "/v1.1/Things":
            things = [dict(t) for t in self.things]
            return 200, self._page("/v1.1/Things", things, query)
        if path.startswith("/v1.1/Datastreams(") and path.endswith(")/Observations"):
            key = urllib.parse.unquote(path[len("/v1.1/Datastreams("):-len(")/Observations")])
            ident: Any = int(key) if key.isdigit() else key.strip("'").replace("''", "'")
            if ident not in self.observations:
                return 404, {"code": 404, "type": "error", "message": "Nothing found."}
            items = list(self.observations[ident])
            condition = query.get("$filter", "")
            if condition:
                name, op, literal = condition.split(" ", 2)
                assert (name, op) == ("phenomenonTime", "gt"), condition
                after = datetime.fromisoformat(literal)
                items = [o for o in items if _start(o) > after]
            order = query.get("$orderby", "")
            if order:
                items.sort(key=lambda o: _start(o), reverse=order.endswith("desc"))
            return 200, self._page(path, items, query)
        return 404, {"code": 404, "type": "error", "message": f"No such path {path}"}

    def _page(self, path: str, items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        top = min(int(query.get("$top", self.max_top)), self.max_top)
        skip = int(query.get("$skip", 0))
        page: dict[str, Any] = {"value": items[skip:skip + top]}
        if skip + top < len(items):
            following = dict(query, **{"$skip": str(skip + top), "$top": str(top)})
            page["@iot.nextLink"] = f"{self.url.removesuffix('/v1.1')}{path}?{urllib.parse.urlencode(following)}"
        return page

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urllib.parse.urlsplit(self.path)
                server.requests.append(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
                if parts.path in server.raw:
                    status, body = server.raw[parts.path]
                    return self._send(status, body)
                target = urllib.parse.unquote(self.path)
                fault = next((f for key, f in server.faults.items() if key in target), None)
                if fault:
                    return self._fault(fault, parts)
                status, doc = server.answer(parts.path, query)
                self._send(status, json.dumps(doc).encode())

            def _fault(self, fault: str, parts: urllib.parse.SplitResult) -> None:
                here = f"{server.url.removesuffix('/v1.1')}{parts.path}"
                bodies = {
                    "not_json": b"<html><body>Gateway error</body></html>",
                    "no_value": b'{"@iot.count": 3}',
                    "value_not_list": b'{"value": {"result": 1}}',
                    "item_not_object": b'{"value": [1, 2]}',
                    "loop": json.dumps({"value": [], "@iot.nextLink": f"{here}?{parts.query}"}).encode(),
                    "other_host": json.dumps({"value": [], "@iot.nextLink": "http://192.0.2.1/v1.1/Things?$skip=3"}).encode(),
                    "next_not_string": b'{"value": [], "@iot.nextLink": 42}',
                    "huge": b'{"value": [' + b'{"result": 1},' * 200_000 + b'{"result": 1}]}',
                    "nan": b'{"value": [{"phenomenonTime": "2026-08-14T19:00:00Z", "result": NaN}]}',
                }
                if fault in bodies:
                    return self._send(200, bodies[fault])
                if fault in ("http_500", "http_404"):
                    code = int(fault[-3:])
                    return self._send(code, json.dumps({"code": code, "type": "error", "message": "Broken on purpose"}).encode())
                if fault == "redirect_away":
                    self.send_response(302)
                    self.send_header("Location", "http://192.0.2.1/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if fault == "slow":
                    server.release.wait(timeout=10)
                    return self._send(200, b'{"value": []}')
                if fault == "drip":  # a byte every 0.1 s: each read is quick, the whole answer never ends
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    while not server.release.wait(timeout=0.1):
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return None
                    return None
                raise AssertionError(fault)

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
