"""KMS key quality wherever a key is referenced, imported key material, and grants.

A data resource that names a KMS key (a bucket's default encryption, a job's volume key, a Studio
domain, a trail...) is only as strong as that key. `kms-key-reference-customer-managed` finds every
property that holds a key reference (kmsKeyId, kmsKeyArn, kmsMasterKeyId, volumeKmsKeyId,
s3KmsKeyId, replicaKmsKeyId...) and judges what it points at: an AWS-managed key (`alias/aws/...`)
cannot be restricted by a key policy; a key of another account is controlled by someone else; a key
of this stack must be enabled and rotated (the rotation rules of policies.rules.kms, reused).
References are resolved by property dependency (a key or alias of the stack, known in a first
preview) or by known ARN, key id or alias name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.frameworks import FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.rules import kms
from ml_dataset_governance.policies.values import NeedsValue, Unverifiable, as_bool, as_list, is_unknown

REPLICA_KEY = kms.REPLICA_KEY
EXTERNAL_KEY = kms.EXTERNAL_KEY
REPLICA_EXTERNAL_KEY = kms.REPLICA_EXTERNAL_KEY
ALIAS = "aws:kms/alias:Alias"
GRANT = "aws:kms/grant:Grant"
KEY_TYPES = (kms.KEY, REPLICA_KEY, EXTERNAL_KEY, REPLICA_EXTERNAL_KEY)
KEY_AND_ALIAS_TYPES = (*KEY_TYPES, ALIAS)

# Property names that hold a KMS key reference, lower-cased (the engine's camelCase names vary by service).
_KEY_PROPERTY = re.compile(r"(kmskey(id|arn|identifier)?|kmsmasterkeyid|replicakmskeyid|kmskeyidentifier)$")
_AWS_MANAGED = re.compile(r"(^|:)alias/aws/")
_ARN_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]*:(\d{12}):")


@functools.lru_cache(maxsize=4096)
def _is_key_property(name: str) -> bool:
    """Whether a property name holds a key reference; cached: every resource of a stack repeats the same names."""
    return _KEY_PROPERTY.search(name.lower()) is not None


def _references(tree: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every key-reference property in a property tree."""
    if isinstance(tree, Mapping):
        for key, value in tree.items():
            here = f"{path}.{key}" if path else str(key)
            if _is_key_property(str(key)) and (isinstance(value, str) or is_unknown(value)):
                yield here, value
            else:
                yield from _references(value, here)
    elif isinstance(tree, list):
        for index, item in enumerate(tree):
            yield from _references(item, f"{path}.{index}")


def _target_key(stack: Stack, found: Resource) -> Resource:
    """An alias resolves to its target key when that key is in the stack."""
    if found.type == ALIAS:
        targets = stack.referenced_by(found, "targetKeyId", KEY_TYPES)
        return targets[0] if targets else found
    return found


def _own_accounts(stack: Stack, params: Mapping[str, Any]) -> set[str]:
    accounts = set(params.get("allowedKeyAccounts") or [])
    if accounts:
        return accounts
    for key in stack.of_type(*KEY_TYPES):
        arn = key.props.get("arn") if isinstance(key.props, Mapping) else None
        match = _ARN_ACCOUNT.match(arn) if isinstance(arn, str) else None
        if match:
            accounts.add(match.group(1))
    return accounts


def _stack_key_problem(key: Resource, params: Mapping[str, Any]) -> str | None:
    if as_bool(key.get("isEnabled" if key.type == kms.KEY else "enabled")) is False:
        return f"key '{key.name}' is disabled"
    if key.type in (EXTERNAL_KEY, REPLICA_EXTERNAL_KEY) and not params.get("allowExternalKeys"):
        return f"key '{key.name}' uses imported key material, which AWS cannot rotate automatically"
    if key.type == kms.KEY and as_bool(key.get("enableKeyRotation")) is not True \
            and kms.rotation_not_supported(key) is None:
        return f"key '{key.name}' does not rotate (enableKeyRotation is not true)"
    return None


def _value_problem(value: str, own: set[str]) -> str | None:
    if _AWS_MANAGED.search(value):
        return "an AWS-managed key (alias/aws/...), whose key policy cannot be restricted"
    match = _ARN_ACCOUNT.match(value)
    if match and own and match.group(1) not in own:
        return f"a key of account {match.group(1)}, outside {', '.join(sorted(own))}"
    return None


def _keys_named(stack: Stack, value: Any) -> list[Resource]:
    """The keys and aliases one of whose identifiers is `value`, by type then stack order (as `of_type` lists them);
    an index lookup, not a scan of every key per reference."""
    if not isinstance(value, str):
        return []
    return sorted(stack.with_identifier(value, KEY_AND_ALIAS_TYPES), key=lambda k: KEY_AND_ALIAS_TYPES.index(k.type))


def _key_references(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    own = _own_accounts(stack, params)
    for r in stack.resources:
        if r.type in KEY_AND_ALIAS_TYPES or r.type == kms.KEY_POLICY or r.type == GRANT:
            continue
        for path, value in _references(r.props):
            top = path.split(".", 1)[0]
            deps = [stack.by_urn[u] for u in r.property_dependencies.get(top, ())
                    if u in stack.by_urn and stack.by_urn[u].type in KEY_AND_ALIAS_TYPES]
            keys = deps if is_unknown(value) else _keys_named(stack, value) or (deps if len(deps) == 1 else [])
            problem = None
            if isinstance(value, str) and not is_unknown(value):
                problem = _value_problem(value, own)
            if problem is None and keys:
                try:
                    problems = [_stack_key_problem(_target_key(stack, k), params) for k in keys]
                except NeedsValue as exc:
                    yield Unverifiable(f"{r.name}: {path} -> {exc.path}")
                    continue
                problem = next((p for p in problems if p), None)
            elif is_unknown(value) and not keys:
                yield Unverifiable(f"{r.name}: {path}")
            if problem:
                yield Finding(r.urn, f"{path} refers to {problem}; expected an enabled, rotated customer-managed key "
                                     "of this account.")


KMS_KEY_REFERENCE_CUSTOMER_MANAGED = Rule(
    id="kms-key-reference-customer-managed",
    title="Every KMS key reference names an enabled, rotated customer-managed key of this account",
    severity="high",
    enforcement="mandatory",
    frameworks=(FSBP("KMS.4"), NIST("SC-12"), NIST("SC-28")),
    stack=True,
    reads=KEY_AND_ALIAS_TYPES,
    rationale=(
        "Encryption settings are only as strong as the key they name. An AWS-managed key (alias/aws/s3...) "
        "lets anyone in the account who can read the data decrypt it, since its key policy cannot be changed; "
        "a key of another account is governed by that account; a disabled key breaks the data path; an "
        "unrotated key protects ever more data. Every key-reference property of every resource is checked. "
        "The own account is allowedKeyAccounts, or else the account of the stack's own keys (from their "
        "ARNs). Imported-material keys need allowExternalKeys."
    ),
    remediation="Create the key in the stack and reference it: `key = aws.kms.Key(\"data\", enable_key_rotation="
                "True)` then `kms_key_id=key.arn` (never `alias/aws/s3`).",
    checks=(_key_references,),
    params={
        "allowedKeyAccounts": {"type": "array", "items": {"type": "string"}, "default": [],
                               "description": "Accounts whose keys may be referenced (default: the stack's)."},
        "allowExternalKeys": {"type": "boolean", "default": False,
                              "description": "Accept keys with imported key material."},
    },
    tags=("kms", "encryption"),
)


# --- imported key material -------------------------------------------------------------------------

def _external_key(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    material = r.get("keyMaterialBase64")
    if isinstance(material, str) and material:
        yield ("keyMaterialBase64 is set: the key material is stored in the Pulumi state and program (value not "
               "shown); expected it imported out of band, never through the stack.")
    if not params.get("allowExternalKeys"):
        yield ("the key uses imported key material: AWS cannot rotate it automatically and a copy exists outside "
               "KMS; expected an AWS-generated customer-managed key (or allowExternalKeys with a reason).")
    if r.get("validTo"):
        yield "validTo makes the key material expire, after which every object it encrypted is unreadable."


KMS_EXTERNAL_KEY_NOT_USED = Rule(
    id="kms-external-key-not-used",
    title="KMS keys use AWS-generated key material, never material passed through the stack",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("SC-12"),),
    rationale=(
        "ExternalKey and ReplicaExternalKey hold imported key material: AWS cannot rotate it automatically, a "
        "copy lives outside KMS, and keyMaterialBase64 puts it in the program and the Pulumi state (readable by "
        "anyone with state access). validTo schedules the material's expiry, and with it the data's. Set "
        "allowExternalKeys when a regulation requires imported material (then import it out of band)."
    ),
    remediation="Use `aws.kms.Key(\"data\", enable_key_rotation=True)` (AWS-generated material).",
    checks=(_external_key,),
    resource_types=(EXTERNAL_KEY, REPLICA_EXTERNAL_KEY),
    params={"allowExternalKeys": {"type": "boolean", "default": False,
                                  "description": "Accept imported key material (keyMaterialBase64 and validTo "
                                                 "are still flagged)."}},
    tags=("kms", "encryption"),
)


# --- grants ------------------------------------------------------------------------------------------

_GRANT_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")


def _grant_least_privilege(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    grantee = r.get("granteePrincipal")
    accounts = params.get("allowedAccounts") or []
    key = r.get("keyId")
    key_account = _ARN_ACCOUNT.match(key).group(1) if isinstance(key, str) and _ARN_ACCOUNT.match(key) else None
    allowed = set(accounts) | ({key_account} if key_account else set())
    if isinstance(grantee, str):
        match = _GRANT_ACCOUNT.match(grantee)
        if "*" in grantee:
            yield f"granteePrincipal {grantee!r} is a wildcard; expected one named role or service principal."
        elif match and allowed and match.group(1) not in allowed:
            yield f"granteePrincipal belongs to account {match.group(1)}; expected a principal of {', '.join(allowed)}."
        elif grantee.endswith(":root"):
            yield "granteePrincipal is a whole account (root); expected one named role or service principal."
    operations = [op for op in as_list(r.get("operations")) if isinstance(op, str)]
    if "CreateGrant" in operations:
        yield "operations include CreateGrant, which lets the grantee re-delegate the key; expected it removed."


KMS_GRANT_LEAST_PRIVILEGE = Rule(
    id="kms-grant-least-privilege",
    title="KMS grants name one principal of an allowed account and cannot be re-delegated",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("AC-6"), NIST("AC-3")),
    rationale=(
        "A grant gives its grantee key operations outside the key policy. A wildcard or whole-account grantee, "
        "a principal of a foreign account (not allowedAccounts or the key's own account), or CreateGrant among "
        "the operations (re-delegation) hands decryption of the dataset to principals the key policy never "
        "named."
    ),
    remediation="`aws.kms.Grant(\"job\", key_id=key.key_id, grantee_principal=role.arn, operations=[\"Decrypt\", "
                "\"GenerateDataKey\"], retiring_principal=admin_role.arn)`.",
    checks=(_grant_least_privilege,),
    resource_types=(GRANT,),
    params={"allowedAccounts": {"type": "array", "items": {"type": "string"}, "default": [],
                                "description": "Accounts whose principals may be grantees."}},
    tags=("kms", "access"),
)


def _grant_retirable(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if not r.get("retiringPrincipal") and as_bool(r.get("retireOnDelete")) is not True:
        yield ("neither retiringPrincipal nor retireOnDelete is set; expected the grant to be retired when it is "
               "no longer needed.")


KMS_GRANT_RETIRABLE = Rule(
    id="kms-grant-retirable",
    title="KMS grants have a retiring principal or retire on delete",
    severity="low",
    enforcement="advisory",
    frameworks=(NIST("AC-2"),),
    rationale="A grant nobody can retire outlives its purpose. Advisory: hygiene, the grant's scope is judged by "
              "kms-grant-least-privilege.",
    remediation="Set `retiring_principal=admin_role.arn` (or `retire_on_delete=True`) on `aws.kms.Grant`.",
    checks=(_grant_retirable,),
    resource_types=(GRANT,),
    tags=("kms", "access"),
)


RULES = (KMS_KEY_REFERENCE_CUSTOMER_MANAGED, KMS_EXTERNAL_KEY_NOT_USED, KMS_GRANT_LEAST_PRIVILEGE, KMS_GRANT_RETIRABLE)
