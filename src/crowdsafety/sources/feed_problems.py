"""One part of a feed that was left out (or read with a caveat) while the rest is used.

Where a whole file or response cannot be used at all the adapters raise
:class:`~crowdsafety.sources.line_problems.FeedError` instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeedProblem:
    """What is wrong in ``file`` at ``where`` (a line, a record, a JSON path) and what was done."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"
