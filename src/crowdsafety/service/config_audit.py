"""Configuration changes in the audit log: the site folder's files, fingerprinted at start.

A site's configuration is its folder (site.toml, zones, sensors, playbook, events, layers),
changed with an editor or version control rather than through the service. When a service starts
it compares the SHA-256 of every file there with the fingerprint last logged and, when they
differ, logs ``config.changed`` with the files added, changed and removed, signed by whoever
started the service.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from crowdsafety.domain.decision import DecisionEntry
from crowdsafety.service import audit
from crowdsafety.service.runtime import Runtime

ACTION = "config.changed"
#: Log entries read per page while looking back for the last fingerprint.
PAGE = 5000


def fingerprint(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 hex of every file under ``folder`` (hidden files and caches left out)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
            files[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def record_config(runtime: Runtime, *, actor: str) -> DecisionEntry | None:
    """Log the site folder's fingerprint when it differs from the last one logged; the entry or None."""
    if runtime.site.folder is None:
        return None
    now = fingerprint(Path(runtime.site.folder))
    before = _last_logged(runtime)
    if before == now:
        return None
    added = sorted(now.keys() - before.keys())
    removed = sorted(before.keys() - now.keys())
    changed = sorted(k for k in now.keys() & before.keys() if now[k] != before[k])
    what = "first configuration seen" if not before else (
        f"{len(added)} added, {len(changed)} changed, {len(removed)} removed")
    return audit.record(runtime, who=actor, role="admin", action=ACTION,
                        reason=f"site folder {runtime.site.id}: {what}",
                        details={"files": now, "added": added, "changed": changed, "removed": removed})


def _last_logged(runtime: Runtime) -> dict[str, str]:
    last: dict[str, str] = {}
    after = 0
    while True:
        page = runtime.store.decisions(after_seq=after, limit=PAGE)
        for entry in page:
            if entry.action == ACTION:
                last = dict(entry.details.get("files", {}))
        if len(page) < PAGE:
            return last
        after = page[-1].seq
