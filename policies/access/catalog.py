"""The dataset catalog: which datasets exist, where they live, and which principals may read, write, delete or
manage them.

Two sources, merged (policy config first):
- the catalog rule's `datasets` / `principals` parameters (an organization's data-governance team sets them in a
  policy group): `datasets: [{name, classification, buckets: [glob], keys: [prefix], tag: {k: v}, readers: [...],
  writers: [...], deleters: [...], managers: [...], allowedAccounts: [...]}]`,
  `principals: [{name, match: {name: glob | arnPattern: glob | tag: {k: v}}}]`;
- the stack's own config, as the engine hands it to the pack (`PULUMI_CONFIG`, key `<project>:catalog`), in the shape
  infra/catalog.py parses: teams `{name}`, datasets `{name, classification, owner, readers, writers}`. There a dataset
  is the bucket tagged `<datasetTagKey>=<name>`, a team the principals tagged `<teamTagKey>=<name>`, the owner and
  writers write (read + write), readers read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ml_dataset_governance.policies.access.conditions import glob_match

LEVELS = ("read", "write", "delete", "manage")
SENSITIVE = frozenset({"confidential", "restricted"})


class CatalogError(ValueError):
    """The catalog cannot be read; the message names the entry."""


@dataclass(frozen=True)
class PrincipalMatch:
    name: str | None = None  # glob on the logical name in the program (or the principal string outside it)
    arn_pattern: str | None = None  # glob on the ARN
    tag: Mapping[str, str] = field(default_factory=dict)

    def matches(self, name: str, arn: str | None, tags: Mapping[str, str]) -> bool:
        if self.name is not None and not glob_match(self.name, name):
            return False
        if self.arn_pattern is not None and not (arn and glob_match(self.arn_pattern, arn)):
            return False
        if any(tags.get(k) != v for k, v in self.tag.items()):
            return False
        return self.name is not None or self.arn_pattern is not None or bool(self.tag)


@dataclass(frozen=True)
class CatalogPrincipal:
    name: str
    match: tuple[PrincipalMatch, ...]


@dataclass(frozen=True)
class CatalogDataset:
    name: str
    classification: str = "internal"
    buckets: tuple[str, ...] = ()  # globs on a bucket's logical or physical name
    keys: tuple[str, ...] = ()  # object key prefixes; empty: the whole bucket
    tag: Mapping[str, str] = field(default_factory=dict)
    access: Mapping[str, frozenset[str]] = field(default_factory=dict)  # catalog principal -> levels
    allowed_accounts: tuple[str, ...] = ()

    def levels_for(self, principal: str) -> frozenset[str]:
        return self.access.get(principal, frozenset())

    def matches_bucket(self, names: Sequence[str], tags: Mapping[str, Any]) -> bool:
        if self.buckets and any(glob_match(p, n) for p in self.buckets for n in names):
            return True
        return bool(self.tag) and all(tags.get(k) == v for k, v in self.tag.items())

    @property
    def sensitive(self) -> bool:
        return self.classification in SENSITIVE


@dataclass(frozen=True)
class DatasetCatalog:
    datasets: tuple[CatalogDataset, ...]
    principals: tuple[CatalogPrincipal, ...]
    source: str = "policy config"

    def principals_matching(self, name: str, arn: str | None, tags: Mapping[str, str]) -> list[str]:
        return [p.name for p in self.principals if any(m.matches(name, arn, tags) for m in p.match)]

    def merged(self, other: DatasetCatalog | None) -> DatasetCatalog:
        if other is None:
            return self
        names = {d.name for d in self.datasets}
        pnames = {p.name for p in self.principals}
        return DatasetCatalog(self.datasets + tuple(d for d in other.datasets if d.name not in names),
                              self.principals + tuple(p for p in other.principals if p.name not in pnames),
                              f"{self.source} + {other.source}")


def _strings(where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where} must be a list of strings")
    return tuple(value)


def _tags(where: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise CatalogError(f"{where} must map tag keys to string values")
    return dict(value)


def _match(where: str, raw: Any) -> PrincipalMatch:
    if not isinstance(raw, Mapping) or not set(raw) <= {"name", "arnPattern", "tag"} or not raw:
        raise CatalogError(f"{where}: match takes name, arnPattern and/or tag")
    name, arn = raw.get("name"), raw.get("arnPattern")
    if (name is not None and not isinstance(name, str)) or (arn is not None and not isinstance(arn, str)):
        raise CatalogError(f"{where}: name and arnPattern must be strings")
    return PrincipalMatch(name, arn, _tags(f"{where}.tag", raw.get("tag")))


def parse_policy_catalog(datasets: Any, principals: Any) -> DatasetCatalog | None:
    """The catalog from the rule's parameters; None when no dataset is configured."""
    if not datasets:
        return None
    out_principals = []
    for i, raw in enumerate(principals or []):
        where = f"principals[{i}]"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            raise CatalogError(f"{where}: needs a name")
        matches = raw.get("match", {"name": raw["name"]})
        items = matches if isinstance(matches, list) else [matches]
        out_principals.append(CatalogPrincipal(raw["name"], tuple(_match(where, m) for m in items)))
    known = {p.name for p in out_principals}
    out = []
    for i, raw in enumerate(datasets):
        where = f"datasets[{i}]"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            raise CatalogError(f"{where}: needs a name")
        where = f"dataset '{raw['name']}'"
        access: dict[str, set[str]] = {}
        for key, levels in (("readers", {"read"}), ("writers", {"read", "write"}), ("deleters", {"delete"}),
                            ("managers", {"manage"})):
            for who in _strings(f"{where}.{key}", raw.get(key)):
                if out_principals and who not in known and not who.startswith("arn:"):
                    raise CatalogError(f"{where}: {key} names unknown principal '{who}'")
                access.setdefault(who, set()).update(levels)
        buckets = _strings(f"{where}.buckets", raw.get("buckets"))
        tag = _tags(f"{where}.tag", raw.get("tag"))
        if not buckets and not tag:
            raise CatalogError(f"{where}: needs buckets patterns or a tag to find its buckets")
        out.append(CatalogDataset(
            name=raw["name"], classification=str(raw.get("classification", "internal")), buckets=buckets,
            keys=_strings(f"{where}.keys", raw.get("keys")), tag=tag,
            access={k: frozenset(v) for k, v in access.items()},
            allowed_accounts=_strings(f"{where}.allowedAccounts", raw.get("allowedAccounts"))))
    # ARN-named readers/writers are principals of their own.
    extra = {who for d in out for who in d.access if who.startswith("arn:") and who not in known}
    out_principals += [CatalogPrincipal(a, (PrincipalMatch(arn_pattern=a),)) for a in sorted(extra)]
    return DatasetCatalog(tuple(out), tuple(out_principals))


def parse_stack_catalog(raw: Any, *, dataset_tag_key: str = "dataset", team_tag_key: str = "team",
                        managers: Any = None) -> DatasetCatalog:
    """The catalog in the stack's own config shape (infra/catalog.py); `managers` (the stack's `adminRoleArns`)
    manage every dataset: they deploy the stack and administer its bucket and key policies."""
    if isinstance(managers, str):
        try:
            managers = json.loads(managers)
        except ValueError:
            raise CatalogError("the stack's adminRoleArns config is not valid JSON") from None
    admin_arns = list(_strings("adminRoleArns", managers))
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise CatalogError("the stack's catalog config is not valid JSON") from None
    if not isinstance(raw, Mapping):
        raise CatalogError("the stack's catalog config must be an object with teams and datasets")
    teams = []
    for i, team in enumerate(raw.get("teams") or []):
        if not isinstance(team, Mapping) or not isinstance(team.get("name"), str):
            raise CatalogError(f"stack catalog teams[{i}]: needs a name")
        teams.append(CatalogPrincipal(team["name"], (PrincipalMatch(tag={team_tag_key: team["name"]}),)))
    datasets = []
    for i, ds in enumerate(raw.get("datasets") or []):
        if not isinstance(ds, Mapping) or not isinstance(ds.get("name"), str):
            raise CatalogError(f"stack catalog datasets[{i}]: needs a name")
        access: dict[str, frozenset[str]] = {}
        for who in _strings(f"dataset '{ds['name']}'.readers", ds.get("readers")):
            access[who] = frozenset({"read"})
        writers = list(_strings(f"dataset '{ds['name']}'.writers", ds.get("writers")))
        if isinstance(ds.get("owner"), str):
            writers.append(ds["owner"])
        for who in writers:
            access[who] = frozenset({"read", "write"})
        for arn in admin_arns:
            access[arn] = access.get(arn, frozenset()) | {"manage"}
        datasets.append(CatalogDataset(name=ds["name"], classification=str(ds.get("classification", "internal")),
                                       tag={dataset_tag_key: ds["name"]}, access=access))
    return DatasetCatalog(tuple(datasets), tuple(teams), "stack config")


def stack_catalog_from_env(environ: Mapping[str, str] | None = None, key: str = "catalog", **kwargs: Any
                           ) -> DatasetCatalog | None:
    """The stack's catalog from `PULUMI_CONFIG` (`<PULUMI_PROJECT>:<key>`), or None when the stack has none."""
    env = os.environ if environ is None else environ
    raw_config = env.get("PULUMI_CONFIG")
    if not raw_config:
        return None
    try:
        config = json.loads(raw_config)
    except ValueError:
        raise CatalogError("PULUMI_CONFIG is not valid JSON") from None
    if not isinstance(config, Mapping):
        return None
    project = env.get("PULUMI_PROJECT")
    value = config.get(f"{project}:{key}") if project else None
    if value is None:
        candidates = [v for k, v in config.items() if isinstance(k, str) and k.endswith(f":{key}")]
        value = candidates[0] if len(candidates) == 1 else None
    if value is None:
        return None
    admins = config.get(f"{project}:adminRoleArns") if project else None
    return parse_stack_catalog(value, managers=admins, **kwargs)
