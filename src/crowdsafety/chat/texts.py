"""The agreed texts of ``advice.toml``: emergency text, questions, confirmations and advice per
category, in each language. Loaded and checked once; a missing text is a :class:`ChatTextsError`."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from crowdsafety.chat.language import LANGUAGES
from crowdsafety.domain.errors import CrowdSafetyError
from crowdsafety.domain.incident import IncidentCategory

ADVICE_FILE = Path(__file__).with_name("advice.toml")
#: Texts every language must have besides the advice per category.
KEYS = ("emergency", "ask_category", "ask_line", "ask_stop", "ask_when", "filed", "not_filed", "already_filed")


class ChatTextsError(CrowdSafetyError):
    """The texts file cannot be read or lacks a text (names the file, language and key)."""


@dataclass(frozen=True)
class Texts:
    """``messages[language][key]`` and ``advice[language][category]``."""

    messages: dict[str, dict[str, str]]
    advice: dict[str, dict[IncidentCategory, str]]

    def message(self, language: str, key: str, **values: str) -> str:
        return self.messages[language][key].format(**values)


@lru_cache(maxsize=4)
def load_texts(path: Path = ADVICE_FILE) -> Texts:
    """Read and check the texts file at ``path`` (default: the packaged ``advice.toml``)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ChatTextsError(f"{path}: cannot read the chatbot texts: {exc}") from None
    messages: dict[str, dict[str, str]] = {}
    advice: dict[str, dict[IncidentCategory, str]] = {}
    for language in LANGUAGES:
        table = data.get(language)
        if not isinstance(table, dict):
            raise ChatTextsError(f"{path}: no [{language}] table")
        messages[language] = {key: _text(path, table, language, key) for key in KEYS}
        per_category = table.get("advice", {})
        advice[language] = {c: _text(path, per_category, f"{language}.advice", c.value) for c in IncidentCategory}
    return Texts(messages, advice)


def _text(path: Path, table: dict, where: str, key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ChatTextsError(f"{path}: [{where}] {key}: missing or empty text")
    return value.strip()
