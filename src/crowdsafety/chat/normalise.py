"""Text made comparable: lower case, accents dropped, apostrophes and punctuation to spaces."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9:]+")


def normalise(text: str) -> str:
    """``"C'è un uomo al Kurhaus!"`` → ``"c e un uomo al kurhaus"`` (keeps digits and ``:``)."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", plain).strip()


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return normalise(text).split()
