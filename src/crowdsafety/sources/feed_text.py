"""The text of a feed: UTF-8 (with or without a byte-order mark), not empty."""

from __future__ import annotations

from crowdsafety.sources.line_problems import FeedError


def decode_text(data: bytes | str, file: str) -> str:
    """``data`` as text; raises FeedError for bytes that are not UTF-8 and for an empty input."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FeedError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        raise FeedError(f"{file}: empty")
    return text
