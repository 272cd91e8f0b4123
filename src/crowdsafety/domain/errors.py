"""The package's errors.

Hierarchy::

    CrowdSafetyError
    ├── SiteDefinitionError   a site folder is wrong; carries every SiteProblem found
    ├── InvalidObservation    one observation row is wrong (row index + reason)
    └── StoreError            the store cannot do what was asked
"""

from __future__ import annotations

from dataclasses import dataclass


class CrowdSafetyError(Exception):
    """Base of every error this package raises on purpose."""


@dataclass(frozen=True)
class SiteProblem:
    """One thing wrong in a site definition: which file, which feature or field, what."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


class SiteDefinitionError(CrowdSafetyError):
    """A site folder could not be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: list[SiteProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InvalidObservation(CrowdSafetyError):
    """One observation row was rejected; ``index`` is its position in the batch (or None)."""

    def __init__(self, reason: str, index: int | None = None, field: str | None = None):
        self.reason = reason
        self.index = index
        self.field = field
        where = f"row {index}" if index is not None else "row"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {reason}")


class StoreError(CrowdSafetyError):
    """The store failed or was asked something it cannot answer."""
