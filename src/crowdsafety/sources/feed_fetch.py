"""The bytes of a feed: a local file or an ``http(s)`` URL (bounded in time and size)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from crowdsafety.sources.line_problems import FeedError

MAX_BYTES = 64 * 1024 * 1024
TIMEOUT_S = 20.0


def fetch(location: str, *, timeout_s: float = TIMEOUT_S, max_bytes: int = MAX_BYTES) -> bytes:
    """The content at ``location``; raises FeedError naming the location and what went wrong."""
    if location.lower().startswith(("http://", "https://")):
        return _download(location, timeout_s, max_bytes)
    path = Path(location)
    if not path.is_file():
        raise FeedError(f"{location}: no such file")
    if path.stat().st_size > max_bytes:
        raise FeedError(f"{location}: larger than {max_bytes // 2**20} MiB")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FeedError(f"{location}: cannot be read ({exc.strerror or exc})") from None


def _download(url: str, timeout_s: float, max_bytes: int) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "crowdsafety-feed/0.1", "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip()
        raise FeedError(f"{url}: HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as exc:
        raise FeedError(f"{url}: cannot be fetched ({exc.reason})") from None
    except (TimeoutError, OSError) as exc:
        raise FeedError(f"{url}: cannot be fetched ({exc or type(exc).__name__})") from None
    if len(body) > max_bytes:
        raise FeedError(f"{url}: larger than {max_bytes // 2**20} MiB")
    return body
