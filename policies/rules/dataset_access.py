"""The dataset catalog enforced: only the principals it lists reach each dataset, at the level it gives them.

The effective-access view (`policies.access.view`) is computed once per stack in AnalyzeStack, from every grant shape
(identity policies of roles, users and groups, managed policies, bucket, key and access-point policies, KMS grants,
S3 Access Grants, Lake Formation permissions). The catalog comes from this rule's parameters and from the stack's own
config (`<project>:catalog`, the shape infra/catalog.py reads), see `policies.access.catalog`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.access.catalog import (
    LEVELS,
    CatalogError,
    DatasetCatalog,
    parse_policy_catalog,
    stack_catalog_from_env,
)
from ml_dataset_governance.policies.access.view import STACK_ACCOUNT, AccessEntry, DatasetAccess, compute, stack_account
from ml_dataset_governance.policies.datasets import DATASET_PARAMS
from ml_dataset_governance.policies.frameworks import CIS, FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Rule, Stack
from ml_dataset_governance.policies.values import Unverifiable

RULE_ID = "s3-dataset-access-matches-catalog"

# A tag map: any key, string values (closed with patternProperties, as every object of the pack's schemas is).
_TAGS_SCHEMA = {"type": "object", "patternProperties": {"^.+$": {"type": "string"}}, "additionalProperties": False}
_MATCH_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "arnPattern": {"type": "string"}, "tag": _TAGS_SCHEMA},
    "additionalProperties": False,
}
PARAMS: dict[str, dict[str, Any]] = {
    "datasets": {
        "type": "array",
        "default": [],
        "description": "The dataset catalog: where each dataset lives and who may reach it.",
        "items": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "classification": {"type": "string", "enum": ["public", "internal", "confidential", "restricted"]},
                "buckets": {"type": "array", "items": {"type": "string"},
                            "description": "Glob patterns on the bucket's logical or physical name."},
                "keys": {"type": "array", "items": {"type": "string"}, "description": "Object key prefixes."},
                "tag": {**_TAGS_SCHEMA, "description": "Tags every bucket of the dataset carries."},
                "readers": {"type": "array", "items": {"type": "string"}},
                "writers": {"type": "array", "items": {"type": "string"}, "description": "Read and write."},
                "deleters": {"type": "array", "items": {"type": "string"}},
                "managers": {"type": "array", "items": {"type": "string"},
                             "description": "May change the bucket's or key's policies and configuration."},
                "allowedAccounts": {"type": "array", "items": {"type": "string"},
                                    "description": "Other accounts allowed to reach a confidential or restricted "
                                                   "dataset."},
            },
        },
    },
    "principals": {
        "type": "array",
        "default": [],
        "description": "Named principals (teams) the datasets' readers and writers refer to, and how to recognise "
                       "them: by logical name, ARN pattern and/or tags.",
        "items": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string"},
                           "match": {"oneOf": [_MATCH_SCHEMA, {"type": "array", "items": _MATCH_SCHEMA}]}},
        },
    },
    "useStackCatalog": {
        "type": "boolean",
        "default": True,
        "description": "Also read the stack's own catalog from its config (PULUMI_CONFIG, `<project>:catalog`).",
    },
    "stackCatalogKey": {"type": "string", "default": "catalog", "description": "The stack config key of the catalog."},
    "teamTagKey": {"type": "string", "default": "team",
                   "description": "In the stack's catalog, the tag that names a principal's team."},
    "datasetTagKey": DATASET_PARAMS["datasetTagKey"],
}


def load_catalog(params: Mapping[str, Any]) -> DatasetCatalog | None:
    """The catalog from the parameters, merged with the stack's own; raises CatalogError."""
    configured = parse_policy_catalog(params.get("datasets"), params.get("principals"))
    stack = None
    if params.get("useStackCatalog", True):
        stack = stack_catalog_from_env(key=params.get("stackCatalogKey") or "catalog",
                                       dataset_tag_key=params.get("datasetTagKey") or "dataset",
                                       team_tag_key=params.get("teamTagKey") or "team")
    if configured is None:
        return stack
    return configured.merged(stack)


def expected_levels(catalog: DatasetCatalog, dataset: DatasetAccess, entry: AccessEntry) -> tuple[list[str], set[str]]:
    """(catalog principals the entry is, the levels they give it on this dataset)."""
    names = catalog.principals_matching(entry.principal, entry.arn, entry.tags)
    if entry.arn and entry.arn in dataset.dataset.access and entry.arn not in names:
        names.append(entry.arn)
    levels = set().union(*(dataset.dataset.levels_for(n) for n in names)) if names else set()
    return names, levels


def _levels(levels: set[str]) -> str:
    return ", ".join(lv for lv in LEVELS if lv in levels)


def _statements(entry: AccessEntry, levels: set[str]) -> str:
    found = sorted({s for lv in levels for s in entry.granted_by.get(lv, [])})
    return "; ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")


def _findings(catalog: DatasetCatalog, dataset: DatasetAccess, entry: AccessEntry, own_account: str
              ) -> Iterator[Finding]:
    if entry.hidden:
        return  # a Deny in an unknown policy could still remove it: reported as unverifiable, decided at update
    names, allowed = expected_levels(catalog, dataset, entry)
    extra = entry.levels - allowed
    ds = dataset.dataset
    where = next((entry.grant_resources[lv] for lv in LEVELS if lv in extra and lv in entry.grant_resources), None)
    where = where or entry.resource
    urn = where.urn if where is not None else ""
    if extra:
        if not names:
            said = "the catalog does not list this principal"
        elif allowed:
            said = f"the catalog gives {', '.join(names)} only {_levels(allowed)}"
        else:
            said = f"the catalog gives {', '.join(names)} no access to this dataset"
        yield Finding(urn, f"principal '{entry.principal}' has {_levels(extra)} access to dataset '{ds.name}' "
                           f"({ds.classification}), granted by {_statements(entry, extra)}; {said}. Expected only "
                           "the principals the dataset catalog lists, at their catalogued level.")
    foreign = entry.account not in (None, own_account, STACK_ACCOUNT)
    if ds.sensitive and foreign and entry.account not in ds.allowed_accounts:
        yield Finding(urn, f"principal '{entry.principal}' of account {entry.account} has "
                           f"{_levels(entry.levels)} access to {ds.classification} dataset '{ds.name}', granted by "
                           f"{_statements(entry, entry.levels)}; expected no cross-account access unless the "
                           "catalog's allowedAccounts lists that account.")


def _dataset_access(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    try:
        catalog = load_catalog(params)
    except CatalogError as exc:
        yield Finding("", f"the dataset catalog cannot be read: {exc}. Expected a valid catalog.")
        return
    if catalog is None:
        return
    view = compute(stack, catalog)
    own = stack_account(stack)
    for dataset in view.datasets:
        for entry in dataset.access:
            yield from _findings(catalog, dataset, entry, own)
    for problem in view.unverifiable:
        yield Finding("", f"a grant cannot be judged: {problem}. Expected every policy reaching a principal to be "
                          "known (defined in the stack, or an AWS managed policy of the pack's snapshot).")
    for path in sorted(set(view.unknown)):
        yield Unverifiable(path)


RULES = (
    Rule(
        id=RULE_ID,
        title="Only the principals the dataset catalog lists can reach each dataset, at their catalogued level",
        severity="critical",
        enforcement="mandatory",
        frameworks=(NIST("AC-6"), NIST("AC-3"), FSBP("S3.6"), CIS("1.16")),
        rationale=(
            "Dataset-level governance means knowing who can read, write, delete or manage each dataset. The pack "
            "computes that from everything in the stack — identity policies of roles, users and groups (inline, "
            "customer managed, AWS managed from a dated snapshot, via groups), permissions boundaries, bucket, key "
            "and access-point policies, KMS grants (reading SSE-KMS data needs the key too), S3 Access Grants and "
            "Lake Formation permissions — with AWS's evaluation logic, and compares it with the catalog: a principal "
            "the catalog does not list, or a reader that can write or delete, is a finding naming the principal, "
            "the dataset, the level and the granting statement. Cross-account access to confidential or restricted "
            "datasets is refused unless the catalog allows the account. Documents unknown in preview are decided at "
            "update."
        ),
        remediation=(
            "Grant dataset access only as the catalog says, or change the catalog (stack config or policy group):\n"
            "    aws.iam.RolePolicy(\"science-reads-features\", role=science.id, policy=pulumi.Output.json_dumps({\n"
            "        \"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\",\n"
            "            \"Action\": [\"s3:GetObject\"], \"Resource\": pulumi.Output.concat(bucket.arn, \"/*\")}]}))"
        ),
        checks=(_dataset_access,),
        stack=True,
        params=PARAMS,
        tags=("s3", "iam", "datasets", "access"),
    ),
)
