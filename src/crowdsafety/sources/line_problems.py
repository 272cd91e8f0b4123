"""What the file adapters report: a whole input that cannot be read, or one bad line in it.

A :class:`FeedError` stops the whole file or response (nothing of it is used); a
:class:`LineProblem` names one line that was left out while the rest of the file is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from crowdsafety.domain import CrowdSafetyError


class FeedError(CrowdSafetyError):
    """A file, feed or response could not be read at all; the message says what and where."""


@dataclass(frozen=True)
class LineProblem:
    """One line of ``file`` left out: its 1-based ``line``, the ``column`` at fault (if one) and why."""

    file: str
    line: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
