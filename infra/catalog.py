"""The dataset catalog: typed, validated stack configuration.

`parse_catalog` is pure (no Pulumi, no AWS) so that every validation rule is unit-testable. `load_settings` is the
one place the program reads its configuration.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "AUDIT_BUCKET_SUFFIX",
    "CLASSIFICATIONS",
    "DEFAULT_VPC_CIDR",
    "Access",
    "Catalog",
    "CatalogError",
    "Dataset",
    "OBJECT_LOCK_MODES",
    "StackSettings",
    "Team",
    "access_matrix",
    "bucket_name",
    "load_settings",
    "max_classification",
    "parse_catalog",
    "parse_settings",
]

# Ordered from least to most sensitive.
CLASSIFICATIONS: tuple[str, ...] = ("internal", "confidential", "restricted")
Access = Literal["read", "write"]

# Suffix of the audit (CloudTrail) bucket; reserved so no dataset bucket can take its name.
AUDIT_BUCKET_SUFFIX = "audit-logs"
_RESERVED_DATASET_NAMES = frozenset({AUDIT_BUCKET_SUFFIX})

# Team names become IAM role tags, SageMaker user profile names and policy Sids: keep them DNS-like and short.
_TEAM_NAME = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,31}$")
# Dataset names become part of an S3 bucket name: lowercase letters, digits, single hyphens.
_DATASET_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,39}$")
_ROLE_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_POLICY_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::(?:\d{12}|aws):policy/[\w+=,.@/-]{1,512}$")
_MAX_RETENTION_DAYS = 36500
DEFAULT_VPC_CIDR = "10.42.0.0/16"

# Members become SageMaker user profile names (and the source identity CloudTrail records): same shape as teams.
_MEMBER_NAME = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,62}$")
_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
OBJECT_LOCK_MODES: tuple[str, ...] = ("GOVERNANCE", "COMPLIANCE")

_TEAM_KEYS = {"name", "description", "members", "runsJobs"}
_DATASET_KEYS = {"name", "classification", "owner", "readers", "writers", "retentionDays", "immutable"}
_CATALOG_KEYS = {"teams", "datasets", "platformOwner"}


class CatalogError(ValueError):
    """The catalog (or another governance setting) is invalid; the message names the offending entry."""


@dataclass(frozen=True)
class Team:
    name: str
    description: str = ""
    members: tuple[str, ...] = ()
    """People of the team: each gets a Studio user profile and a persona role of that name."""
    runs_jobs: bool = False
    """May start training, processing and tuning jobs (as the team's role, under the guardrails)."""


@dataclass(frozen=True)
class Dataset:
    name: str
    classification: str
    owner: str
    readers: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    retention_days: int = 90
    immutable: bool = False

    def access_for(self, team: str) -> Access | None:
        """The owner and writers write, readers read, nobody else gets anything."""
        if team == self.owner or team in self.writers:
            return "write"
        if team in self.readers:
            return "read"
        return None


@dataclass(frozen=True)
class Catalog:
    teams: tuple[Team, ...]
    datasets: tuple[Dataset, ...]
    platform_owner: str | None = None

    def team(self, name: str) -> Team:
        return next(t for t in self.teams if t.name == name)

    def dataset(self, name: str) -> Dataset:
        return next(d for d in self.datasets if d.name == name)

    @property
    def members(self) -> dict[str, str]:
        """person -> team, for every member of every team."""
        return {person: t.name for t in self.teams for person in t.members}


@dataclass(frozen=True)
class StackSettings:
    catalog: Catalog
    admin_role_arns: tuple[str, ...] = ()
    permissions_boundary_arn: str | None = None
    vpc_cidr: str = DEFAULT_VPC_CIDR
    studio_access_cidrs: tuple[str, ...] = ()
    """Networks besides the Studio VPC endpoint from which people may open Studio (aws:SourceIp)."""
    organization_id: str | None = None
    """AWS Organizations id: the S3 gateway endpoint also admits buckets of this organization (aws:ResourceOrgID)."""
    audit_object_lock_mode: str = "GOVERNANCE"
    """COMPLIANCE for regulated stacks: not even the root user can shorten the audit logs' retention."""


def max_classification(catalog: Catalog) -> str:
    """The most sensitive classification in the catalog: the one shared platform resources carry."""
    return max((d.classification for d in catalog.datasets), key=CLASSIFICATIONS.index)


def access_matrix(catalog: Catalog) -> dict[str, dict[str, Access | None]]:
    """team -> dataset -> "read" | "write" | None, for every team and every dataset of the catalog."""
    return {t.name: {d.name: d.access_for(t.name) for d in catalog.datasets} for t in catalog.teams}


def bucket_name(project: str, stack: str, suffix: str) -> str:
    """The S3 bucket name for a dataset (or the audit bucket) of a stack; raises CatalogError if S3 would refuse it."""
    name = f"{project}-{stack}-{suffix}".lower()
    if len(name) > 63 or not re.fullmatch(r"[a-z0-9](?:[a-z0-9]|[.-](?=[a-z0-9])){2,62}", name):
        raise CatalogError(f"bucket name {name!r} (from {suffix!r}) is not a valid S3 bucket name (3-63 chars)")
    return name


def _where(kind: str, index: int, entry: Any) -> str:
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return f"{kind} {name!r}" if isinstance(name, str) and name else f"{kind} #{index}"


def _unknown_keys(where: str, entry: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(entry) - allowed)
    if extra:
        raise CatalogError(f"{where}: unknown key(s) {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})")


def _list(where: str, value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise CatalogError(f"{where}: {what} must be a list")
    return list(value)


def _team_refs(where: str, value: Any, what: str, teams: set[str]) -> tuple[str, ...]:
    refs = _list(where, value, what)
    seen: set[str] = set()
    for ref in refs:
        if not isinstance(ref, str) or ref not in teams:
            raise CatalogError(f"{where}: {what} names unknown team {ref!r}")
        if ref in seen:
            raise CatalogError(f"{where}: {what} lists team {ref!r} twice")
        seen.add(ref)
    return tuple(refs)


def _parse_team(index: int, entry: Any) -> Team:
    where = _where("team", index, entry)
    if not isinstance(entry, Mapping):
        raise CatalogError(f"{where}: must be a mapping with name and description")
    _unknown_keys(where, entry, _TEAM_KEYS)
    name = entry.get("name")
    if not isinstance(name, str) or not _TEAM_NAME.fullmatch(name):
        raise CatalogError(f"{where}: name must be 2-32 lowercase letters, digits or single hyphens, "
                           "starting with a letter")
    description = entry.get("description", "")
    if not isinstance(description, str):
        raise CatalogError(f"{where}: description must be a string")
    members = _list(where, entry.get("members"), "members")
    for member in members:
        if not isinstance(member, str) or not _MEMBER_NAME.fullmatch(member):
            raise CatalogError(f"{where}: member {member!r} must be 2-63 lowercase letters, digits or single "
                               "hyphens, starting with a letter")
    runs_jobs = entry.get("runsJobs", False)
    if not isinstance(runs_jobs, bool):
        raise CatalogError(f"{where}: runsJobs must be true or false, got {runs_jobs!r}")
    return Team(name=name, description=description, members=tuple(members), runs_jobs=runs_jobs)


def _parse_dataset(index: int, entry: Any, teams: set[str]) -> Dataset:
    where = _where("dataset", index, entry)
    if not isinstance(entry, Mapping):
        raise CatalogError(f"{where}: must be a mapping")
    _unknown_keys(where, entry, _DATASET_KEYS)
    name = entry.get("name")
    if not isinstance(name, str) or not _DATASET_NAME.fullmatch(name) or name.startswith("xn--"):
        raise CatalogError(f"{where}: name must be a valid S3 bucket name part: 3-40 lowercase letters, digits "
                           "or single hyphens, starting and ending with a letter or digit")
    if name in _RESERVED_DATASET_NAMES:
        raise CatalogError(f"{where}: name {name!r} is reserved for the audit bucket")
    classification = entry.get("classification")
    if classification not in CLASSIFICATIONS:
        raise CatalogError(f"{where}: classification {classification!r} is invalid "
                           f"(expected one of {', '.join(CLASSIFICATIONS)})")
    owner = entry.get("owner")
    if not isinstance(owner, str) or owner not in teams:
        raise CatalogError(f"{where}: owner names unknown team {owner!r}")
    readers = _team_refs(where, entry.get("readers"), "readers", teams)
    writers = _team_refs(where, entry.get("writers"), "writers", teams)
    if owner in readers:
        raise CatalogError(f"{where}: owner {owner!r} is listed as a reader, but the owner always has write access")
    both = sorted(set(readers) & set(writers))
    if both:
        raise CatalogError(f"{where}: team(s) {', '.join(both)} listed as both reader and writer")
    writers = tuple(w for w in writers if w != owner)
    retention = entry.get("retentionDays")
    if isinstance(retention, bool) or not isinstance(retention, int) or not 1 <= retention <= _MAX_RETENTION_DAYS:
        raise CatalogError(f"{where}: retentionDays must be an integer between 1 and {_MAX_RETENTION_DAYS}, "
                           f"got {retention!r}")
    immutable = entry.get("immutable", False)
    if not isinstance(immutable, bool):
        raise CatalogError(f"{where}: immutable must be true or false, got {immutable!r}")
    return Dataset(name=name, classification=classification, owner=owner, readers=readers, writers=writers,
                   retention_days=retention, immutable=immutable)


def parse_catalog(obj: Any) -> Catalog:
    """Validate a catalog as read from stack config; raise CatalogError naming the offending entry."""
    if not isinstance(obj, Mapping):
        raise CatalogError("catalog must be a mapping with teams and datasets")
    _unknown_keys("catalog", obj, _CATALOG_KEYS)
    team_entries = _list("catalog", obj.get("teams"), "teams")
    if not team_entries:
        raise CatalogError("catalog: at least one team is required")
    teams: list[Team] = []
    for i, entry in enumerate(team_entries):
        team = _parse_team(i, entry)
        if any(t.name == team.name for t in teams):
            raise CatalogError(f"team {team.name!r}: duplicate team name")
        teams.append(team)
    team_names = {t.name for t in teams}
    # A person is one user profile in the domain: profile names are unique, so is membership.
    seen_members: dict[str, str] = {}
    for team in teams:
        for member in team.members:
            if member in seen_members:
                other = seen_members[member]
                where = f"team {team.name!r}"
                raise CatalogError(f"{where}: member {member!r} is listed twice" if other == team.name
                                   else f"{where}: member {member!r} already belongs to team {other!r}")
            seen_members[member] = team.name

    dataset_entries = _list("catalog", obj.get("datasets"), "datasets")
    if not dataset_entries:
        raise CatalogError("catalog: at least one dataset is required")
    datasets: list[Dataset] = []
    for i, entry in enumerate(dataset_entries):
        dataset = _parse_dataset(i, entry, team_names)
        if any(d.name == dataset.name for d in datasets):
            raise CatalogError(f"dataset {dataset.name!r}: duplicate dataset name")
        datasets.append(dataset)

    platform_owner = obj.get("platformOwner")
    if platform_owner is not None and platform_owner not in team_names:
        raise CatalogError(f"catalog: platformOwner names unknown team {platform_owner!r}")
    return Catalog(teams=tuple(teams), datasets=tuple(datasets), platform_owner=platform_owner)


def _parse_vpc_cidr(value: Any) -> str:
    try:
        network = ipaddress.ip_network(value) if isinstance(value, str) else None
    except ValueError:
        network = None
    if network is None or network.version != 4 or not network.is_private or not 16 <= network.prefixlen <= 24:
        raise CatalogError(f"vpcCidr: {value!r} must be a private IPv4 network between /16 and /24")
    return str(network)


def _parse_access_cidrs(value: Any) -> tuple[str, ...]:
    cidrs = []
    for entry in _list("studioAccessCidrs", value, "studioAccessCidrs"):
        try:
            network = ipaddress.ip_network(entry) if isinstance(entry, str) else None
        except ValueError:
            network = None
        if network is None or network.prefixlen < (8 if network.version == 4 else 32):
            raise CatalogError(f"studioAccessCidrs: {entry!r} must be an IP network no wider than /8 (IPv6: /32)")
        cidrs.append(str(network))
    if len(set(cidrs)) != len(cidrs):
        raise CatalogError("studioAccessCidrs: duplicate network")
    return tuple(cidrs)


def parse_settings(catalog: Any, admin_role_arns: Any = None, permissions_boundary_arn: Any = None,
                   vpc_cidr: Any = None, studio_access_cidrs: Any = None, organization_id: Any = None,
                   audit_object_lock_mode: Any = None) -> StackSettings:
    """Validate every governance setting of the stack (pure)."""
    arns = _list("adminRoleArns", admin_role_arns, "adminRoleArns")
    for arn in arns:
        if not isinstance(arn, str) or not _ROLE_ARN.fullmatch(arn):
            raise CatalogError(f"adminRoleArns: {arn!r} is not an IAM role ARN (no wildcards allowed)")
    if len(set(arns)) != len(arns):
        raise CatalogError("adminRoleArns: duplicate role ARN")
    if permissions_boundary_arn is not None and (
        not isinstance(permissions_boundary_arn, str) or not _POLICY_ARN.fullmatch(permissions_boundary_arn)
    ):
        raise CatalogError(f"permissionsBoundaryArn: {permissions_boundary_arn!r} is not an IAM policy ARN")
    if organization_id is not None and (
        not isinstance(organization_id, str) or not _ORGANIZATION_ID.fullmatch(organization_id)
    ):
        raise CatalogError(f"organizationId: {organization_id!r} is not an AWS Organizations id (o-...)")
    lock_mode = "GOVERNANCE" if audit_object_lock_mode is None else audit_object_lock_mode
    if lock_mode not in OBJECT_LOCK_MODES:
        raise CatalogError(f"auditObjectLockMode: {audit_object_lock_mode!r} must be one of "
                           f"{', '.join(OBJECT_LOCK_MODES)}")
    return StackSettings(catalog=parse_catalog(catalog), admin_role_arns=tuple(arns),
                         permissions_boundary_arn=permissions_boundary_arn,
                         vpc_cidr=DEFAULT_VPC_CIDR if vpc_cidr is None else _parse_vpc_cidr(vpc_cidr),
                         studio_access_cidrs=_parse_access_cidrs(studio_access_cidrs),
                         organization_id=organization_id, audit_object_lock_mode=lock_mode)


def load_settings() -> StackSettings:
    """Read and validate the stack's governance configuration (the only place config is read)."""
    import pulumi

    config = pulumi.Config()
    return parse_settings(
        config.require_object("catalog"),
        config.get_object("adminRoleArns"),
        config.get("permissionsBoundaryArn"),
        config.get("vpcCidr"),
        config.get_object("studioAccessCidrs"),
        config.get("organizationId"),
        config.get("auditObjectLockMode"),
    )
