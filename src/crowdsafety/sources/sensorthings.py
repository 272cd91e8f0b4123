"""A client for an OGC SensorThings API v1.1 server: Things, their Datastreams, Observations.

Collections are read page by page, following ``@iot.nextLink`` only on the server's own scheme,
host and port, never the same page twice and at most ``max_pages`` pages. Observations come
oldest first (``$orderby=phenomenonTime asc``, ``$top``) and, for an incremental pull, only
those after a given time (``$filter=phenomenonTime gt <time>``; also checked here in case the
server ignores the filter). ``phenomenonTime`` is an instant or an interval ``start/end``;
``result`` a number (or a numeric string, as some servers send).

Every request has a time limit for the whole answer (``timeout_s``) and a size limit; an HTTP
error, a refused connection, a timeout, a body that is not JSON or a page without a ``value``
list raises :class:`SensorThingsError` naming the URL. Reference: OGC 18-088 (SensorThings API
Part 1: Sensing, v1.1).
"""

from __future__ import annotations

import http.client
import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from crowdsafety.sources.line_problems import FeedError

DEFAULT_TIMEOUT_S = 10.0
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
MAX_PAGES = 1000
PAGE_SIZE = 1000

EntityId = int | str


class SensorThingsError(FeedError):
    """A SensorThings request failed or its answer is malformed; the message names the URL."""


@dataclass(frozen=True)
class Datastream:
    """A Datastream (``id`` is its ``@iot.id``) with the Thing it belongs to and its unit symbol."""

    id: EntityId
    name: str
    thing_id: EntityId | None = None
    thing_name: str = ""
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class DatastreamValue:
    """One Observation: ``start`` (UTC), ``end`` for an interval (None for an instant), ``result``."""

    id: EntityId | None
    start: datetime
    end: datetime | None
    result: float


@dataclass(frozen=True)
class ObservationPage:
    """The usable Observations of one page and why the others were left out."""

    url: str
    values: list[DatastreamValue]
    problems: list[str]


class SensorThingsClient:
    """Reads one server below ``base_url`` (e.g. ``https://host/FROST-Server/v1.1``)."""

    def __init__(self, base_url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S, page_size: int = PAGE_SIZE,
                 max_pages: int = MAX_PAGES, max_bytes: int = MAX_RESPONSE_BYTES):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SensorThingsError(f"{base_url}: not an http(s) URL of a SensorThings server")
        self.base_url = base_url.rstrip("/")
        self.timeout_s, self.page_size, self.max_pages, self.max_bytes = timeout_s, page_size, max_pages, max_bytes
        self._origin = _origin(self.base_url)
        self._opener = urllib.request.build_opener(_SameOriginRedirects(self._origin))

    # -- entities -------------------------------------------------------------------------------

    def datastreams(self) -> list[Datastream]:
        """Every Datastream of every Thing (``Things?$expand=Datastreams``)."""
        found = []
        for url, thing in self._collection(f"{self.base_url}/Things?$expand=Datastreams"):
            thing_id, thing_name = _entity_id(thing, url), _text(thing.get("name"))
            streams = thing.get("Datastreams", [])
            if not isinstance(streams, list):
                raise SensorThingsError(f"{url}: Thing {thing_id!r}: Datastreams is not a list")
            more = thing.get("Datastreams@iot.nextLink")
            if isinstance(more, str):
                streams = streams + [s for _, s in self._collection(self._follow(url, more))]
            found += [Datastream(
                id=_entity_id(s, url), name=_text(s.get("name")), thing_id=thing_id, thing_name=thing_name,
                unit=_text((s.get("unitOfMeasurement") or {}).get("symbol")
                           if isinstance(s.get("unitOfMeasurement"), dict) else None),
                description=_text(s.get("description")),
            ) for s in streams]
        return found

    def observation_pages(self, datastream_id: EntityId, *, since: datetime | None = None) -> Iterator[ObservationPage]:
        """Observations of a Datastream, oldest first, page by page; only those starting after
        ``since`` (tz-aware) when given."""
        query = {"$orderby": "phenomenonTime asc", "$top": str(self.page_size),
                 "$select": "@iot.id,phenomenonTime,result"}
        if since is not None:
            query["$filter"] = f"phenomenonTime gt {_iso(since)}"
        url = f"{self.base_url}/Datastreams({_key(datastream_id)})/Observations?" + urllib.parse.urlencode(
            query, quote_via=urllib.parse.quote, safe="@,$:")
        for page_url, entities in self._pages(url):
            page = ObservationPage(page_url, [], [])
            for entity in entities:
                try:
                    value = _observation(entity)
                except ValueError as exc:
                    page.problems.append(f"{page_url}: Observation {entity.get('@iot.id')!r}: {exc}")
                    continue
                if since is None or value.start > since:
                    page.values.append(value)
            yield page

    # -- paging ---------------------------------------------------------------------------------

    def _collection(self, url: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for page_url, entities in self._pages(url):
            for entity in entities:
                yield page_url, entity

    def _pages(self, url: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """(page URL, entities) of a collection, following ``@iot.nextLink``."""
        seen: set[str] = set()
        while True:
            if url in seen:
                raise SensorThingsError(f"{url}: @iot.nextLink leads back to a page already read")
            if len(seen) >= self.max_pages:
                raise SensorThingsError(f"{url}: more than {self.max_pages} pages; pull a shorter period (--since)")
            seen.add(url)
            doc = self._get(url)
            if not isinstance(doc, dict) or not isinstance(doc.get("value"), list):
                raise SensorThingsError(f"{url}: not a SensorThings collection (no \"value\" list)")
            entities = doc["value"]
            bad = next((i for i, e in enumerate(entities) if not isinstance(e, dict)), None)
            if bad is not None:
                raise SensorThingsError(f"{url}: value[{bad}] is not an object")
            yield url, entities
            link = doc.get("@iot.nextLink")
            if link is None:
                return
            if not isinstance(link, str):
                raise SensorThingsError(f"{url}: @iot.nextLink is not a URL: {_show(link)}")
            url = self._follow(url, link)

    def _follow(self, url: str, link: str) -> str:
        target = urllib.parse.urljoin(url, link)
        if _origin(target) != self._origin:
            raise SensorThingsError(f"{url}: refusing @iot.nextLink to another server: {target[:200]}")
        return target

    # -- HTTP -----------------------------------------------------------------------------------

    def _get(self, url: str) -> Any:
        """The JSON body at ``url``, within ``timeout_s`` for the whole answer and ``max_bytes``."""
        request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "crowdsafety"})
        deadline = time.monotonic() + self.timeout_s
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                body = self._body(url, response, deadline)
        except urllib.error.HTTPError as exc:
            raise SensorThingsError(f"{url}: HTTP {exc.code} {exc.reason}{_error_detail(exc)}") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise SensorThingsError(f"{url}: no answer within {self.timeout_s:g} s") from None
            raise SensorThingsError(f"{url}: cannot reach the server ({exc.reason})") from None
        except TimeoutError:
            raise SensorThingsError(f"{url}: no answer within {self.timeout_s:g} s") from None
        except (http.client.HTTPException, OSError) as exc:
            raise SensorThingsError(f"{url}: the connection failed ({exc.__class__.__name__}: {exc})") from None
        try:
            return json.loads(body, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            start = body[:60].decode("utf-8", "replace")
            raise SensorThingsError(f"{url}: the answer is not JSON ({exc}); it starts with {start!r}") from None

    def _body(self, url: str, response: Any, deadline: float) -> bytes:
        chunks, size = [], 0
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > self.max_bytes:
                raise SensorThingsError(f"{url}: answer larger than {self.max_bytes // 2**20} MiB")
            if time.monotonic() > deadline:
                raise SensorThingsError(f"{url}: no complete answer within {self.timeout_s:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only on the same scheme, host and port."""

    def __init__(self, origin: tuple[str, str, int]):
        self._origin = origin

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if _origin(newurl) != self._origin:
            fp.close()
            raise SensorThingsError(f"{req.full_url}: refusing a redirect to another server: {newurl[:200]}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def parse_phenomenon_time(raw: Any) -> tuple[datetime, datetime | None]:
    """(start, end) in UTC of an ISO 8601 instant (end None) or interval ``start/end``."""
    if not isinstance(raw, str):
        raise ValueError(f"phenomenonTime must be ISO 8601 text, got {_show(raw)}")
    parts = raw.split("/")
    if len(parts) > 2:
        raise ValueError(f"phenomenonTime {_show(raw)} is neither an instant nor an interval start/end")
    times = []
    for part in parts:
        try:
            stamp = datetime.fromisoformat(part)
        except ValueError:
            raise ValueError(f"unparsable phenomenonTime {_show(raw)}") from None
        if stamp.tzinfo is None:
            raise ValueError(f"phenomenonTime {_show(raw)} has no time zone")
        times.append(stamp.astimezone(timezone.utc))
    if len(times) == 2 and times[1] <= times[0]:
        raise ValueError(f"phenomenonTime interval {_show(raw)} ends before it starts")
    return times[0], times[1] if len(times) == 2 else None


def _observation(entity: dict[str, Any]) -> DatastreamValue:
    start, end = parse_phenomenon_time(entity.get("phenomenonTime"))
    raw = entity.get("result")
    if isinstance(raw, str):
        try:
            raw = float(raw.strip())
        except ValueError:
            raise ValueError(f"result {_show(raw)} is not a number") from None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"result must be a number, got {_show(raw)}")
    if not math.isfinite(raw):
        raise ValueError(f"result must be finite, got {raw}")
    ident = entity.get("@iot.id")
    return DatastreamValue(ident if isinstance(ident, (int, str)) and not isinstance(ident, bool) else None,
                           start, end, raw)


def _entity_id(entity: dict[str, Any], url: str) -> EntityId:
    ident = entity.get("@iot.id")
    if isinstance(ident, bool) or not isinstance(ident, (int, str)):
        raise SensorThingsError(f"{url}: an entity has no usable @iot.id ({_show(ident)})")
    return ident


def _key(ident: EntityId) -> str:
    """An entity id as it goes in a path: ``17`` or ``'abc'`` (quotes doubled, as OData wants)."""
    if isinstance(ident, int):
        return str(ident)
    return urllib.parse.quote("'" + ident.replace("'", "''") + "'", safe="'")


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or (443 if parts.scheme == "https" else 80)


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """The server's own message (FROST: ``{"message": ...}``), if it sent one."""
    try:
        message = json.loads(exc.read(4096)).get("message")
    except Exception:  # noqa: BLE001 - any unreadable error body: no detail
        return ""
    finally:
        exc.close()
    return f": {str(message)[:200]}" if message else ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
