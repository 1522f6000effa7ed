"""The effective-access view: for each dataset of the catalog, which principals can read, write, delete or manage it,
and which statements grant that.

Computed once per stack (AnalyzeStack), over every grant shape pulumi-aws 7 has:
- identity policies of roles, users and groups: inline (`Role.inlinePolicies`, `RolePolicy`, `UserPolicy`,
  `GroupPolicy`), customer managed (`Policy` attached by `RolePolicyAttachment`, `UserPolicyAttachment`,
  `GroupPolicyAttachment`, `PolicyAttachment`, `Role.managedPolicyArns`, `*PolicyAttachmentsExclusive`), AWS managed
  (the dated snapshot, `managed`), group membership (`GroupMembership`, `UserGroupMembership`), and permissions
  boundaries;
- bucket policies (`BucketPolicy`), access points (`AccessPoint.policy`, `s3control.AccessPointPolicy`), S3 Access
  Grants (`s3control.AccessGrant` in an `AccessGrantsLocation`), Lake Formation permissions on data locations and on
  Glue tables stored in the bucket;
- the bucket's SSE-KMS key: reading needs kms:Decrypt and writing kms:GenerateDataKey on it, through its key policy
  (`Key.policy`, `KeyPolicy`) and grants (`kms.Grant`).

"Can" means: allowed for some request (AWS's evaluation logic in an open context, `evaluate`): an Allow whose
condition depends on the request counts, a Deny only when it applies whatever the request. Principals outside the
stack are named by ARN, account or service; their own identity policies are unseen, so a resource-based grant to
them counts. Links between resources go by known value first (a settings resource naming another bucket does not
count for this one) and by property dependency when the value is unknown (preview).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ml_dataset_governance.policies.access.catalog import LEVELS, CatalogDataset, DatasetCatalog
from ml_dataset_governance.policies.access.document import Policy, Statement, parse_policy
from ml_dataset_governance.policies.access.evaluate import Match, Principal, Request, evaluate
from ml_dataset_governance.policies.access.managed import is_aws_managed, managed_policy
from ml_dataset_governance.policies.model import Resource, Stack
from ml_dataset_governance.policies.values import contains_unknown, is_unknown

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SSE_TYPES = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
             "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
KEY, KEY_POLICY, KMS_GRANT = "aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy", "aws:kms/grant:Grant"
ACCESS_POINT = "aws:s3/accessPoint:AccessPoint"
ACCESS_POINT_POLICY = "aws:s3control/accessPointPolicy:AccessPointPolicy"
ACCESS_GRANT = "aws:s3control/accessGrant:AccessGrant"
ACCESS_GRANTS_LOCATION = "aws:s3control/accessGrantsLocation:AccessGrantsLocation"
LF_PERMISSIONS = "aws:lakeformation/permissions:Permissions"
GLUE_TABLE = "aws:glue/catalogTable:CatalogTable"

ROLE, USER, GROUP = "aws:iam/role:Role", "aws:iam/user:User", "aws:iam/group:Group"
POLICY = "aws:iam/policy:Policy"
INLINE = {"aws:iam/rolePolicy:RolePolicy": ("role", ROLE), "aws:iam/userPolicy:UserPolicy": ("user", USER),
          "aws:iam/groupPolicy:GroupPolicy": ("group", GROUP)}
ATTACHMENTS = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("role", ROLE, "policyArn"),
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": ("user", USER, "policyArn"),
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": ("group", GROUP, "policyArn"),
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": ("roleName", ROLE, "policyArns"),
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": ("userName", USER, "policyArns"),
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": ("groupName", GROUP, "policyArns"),
}
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
GROUP_MEMBERSHIP = "aws:iam/groupMembership:GroupMembership"
USER_GROUP_MEMBERSHIP = "aws:iam/userGroupMembership:UserGroupMembership"

# What each level needs, on the dataset's objects (or bucket) and on its SSE-KMS key.
OBJECT_PROBES = {"read": ("s3:GetObject",), "write": ("s3:PutObject",),
                 "delete": ("s3:DeleteObject", "s3:DeleteObjectVersion")}
KEY_PROBES = {"read": "kms:Decrypt", "write": "kms:GenerateDataKey"}
MANAGE_BUCKET_PROBES = (
    "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPublicAccessBlock",
    "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning",
    "s3:PutBucketOwnershipControls", "s3:PutBucketObjectLockConfiguration", "s3:PutReplicationConfiguration",
    "s3:DeleteBucket",
)
MANAGE_OBJECT_PROBES = ("s3:PutObjectAcl", "s3:BypassGovernanceRetention", "s3:PutObjectRetention")
MANAGE_KEY_PROBES = ("kms:PutKeyPolicy", "kms:CreateGrant", "kms:ScheduleKeyDeletion", "kms:DisableKey")
STACK_ACCOUNT = "<stack-account>"  # the account of the stack's own resources while no ARN tells it


# --- linking -------------------------------------------------------------------------------------

def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def linked(stack: Stack, source: Resource, prop: str, types: Iterable[str]) -> tuple[list[Resource], list[str]]:
    """Resources of `types` that `source.prop` (a string or list) names, and the known values naming none of them.

    Value over structure: a known value links by value alone; only an unknown one falls back to the property's
    dependencies.
    """
    types = tuple(types)
    found: list[Resource] = []
    external: list[str] = []
    known, unknown = source.known_strings(prop)
    for item in sorted(known):
        hits = stack.with_identifier(item, types)
        found += [h for h in hits if h not in found]
        if not hits:
            external.append(item)
    if unknown:
        for urn in source.property_dependencies.get(prop, ()):
            target = stack.by_urn.get(urn)
            if target is not None and target.type in types and target not in found:
                found.append(target)
    return found, external


# --- the model of the stack ----------------------------------------------------------------------

Grant = tuple[str, Resource | None]  # a granting statement's description, and the resource holding it


@dataclass(frozen=True)
class Doc:
    """One policy document with where it comes from."""

    source: Resource | None
    label: str  # "RolePolicy 'access-data-science'"
    policy: Policy

    def describe(self, stmt: Statement) -> str:
        return f"{self.label} {stmt.label}"


@dataclass
class StackPrincipal:
    resource: Resource
    kind: str  # role | user | group
    identity: list[Doc] = field(default_factory=list)
    boundary: list[Doc] = field(default_factory=list)
    groups: list[StackPrincipal] = field(default_factory=list)
    unknown_managed: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def arn(self) -> str | None:
        value = self.resource.props.get("arn") if isinstance(self.resource.props, Mapping) else None
        return value if isinstance(value, str) and not is_unknown(value) else None

    @property
    def tags(self) -> dict[str, str]:
        tags = self.resource.props.get("tags") if isinstance(self.resource.props, Mapping) else None
        return {k: v for k, v in tags.items() if isinstance(v, str)} if isinstance(tags, Mapping) else {}

    def all_identity(self) -> list[Doc]:
        return self.identity + [d for g in self.groups for d in g.identity]


@dataclass
class Dataset:
    entry: CatalogDataset
    buckets: list[Resource]


@dataclass
class AccessEntry:
    principal: str  # logical name in the program, or an ARN / account / service outside it
    levels: set[str] = field(default_factory=set)
    granted_by: dict[str, list[str]] = field(default_factory=dict)  # level -> statements
    resource: Resource | None = None  # the principal's resource, when in the stack
    grant_resources: dict[str, Resource] = field(default_factory=dict)  # level -> a resource holding the grant
    account: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    arn: str | None = None
    hidden: bool = False  # a policy that could deny some of these levels is unknown (preview): decide at update

    def add(self, level: str, grants: Iterable[Grant]) -> None:
        self.levels.add(level)
        bucket = self.granted_by.setdefault(level, [])
        for text, where in grants:
            if text not in bucket:
                bucket.append(text)
            if where is not None:
                self.grant_resources.setdefault(level, where)

    def as_json(self) -> dict[str, Any]:
        return {"principal": self.principal, "levels": [lv for lv in LEVELS if lv in self.levels],
                "granted_by": sorted({s for v in self.granted_by.values() for s in v})}


@dataclass
class DatasetAccess:
    dataset: CatalogDataset
    buckets: list[Resource]
    access: list[AccessEntry]

    def entry(self, principal: str) -> AccessEntry | None:
        return next((e for e in self.access if e.principal == principal), None)


@dataclass
class AccessView:
    datasets: list[DatasetAccess]
    unknown: list[str]  # property paths that hid a grant (preview)
    unverifiable: list[str]  # other reasons a grant could not be judged (managed policies outside the snapshot...)

    def as_json(self) -> dict[str, Any]:
        return {"datasets": [{"dataset": d.dataset.name, "classification": d.dataset.classification,
                              "buckets": [b.name for b in d.buckets],
                              "access": [e.as_json() for e in d.access]} for d in self.datasets],
                "unknown": sorted(set(self.unknown)), "unverifiable": sorted(set(self.unverifiable))}


def _label(r: Resource) -> str:
    return f"{r.type.rsplit(':', 1)[-1]} '{r.name}'"


def principal_arn(r: Resource, account: str) -> str:
    """A role's or user's ARN; while unknown (preview), one built from its name, as probes and links both use."""
    kind = {ROLE: "role", USER: "user", GROUP: "group"}.get(r.type, "role")
    return _known(r.props.get("arn")) or f"arn:aws:iam::{account}:{kind}/{_known(r.props.get('name')) or r.name}"


def resource_arn(r: Resource, account: str) -> str:
    """A bucket's, key's or access point's ARN; while unknown, one built from its name."""
    known = _known(r.props.get("arn"))
    if known:
        return known
    if r.type in BUCKET_TYPES:
        return f"arn:aws:s3:::{_known(r.props.get('bucket')) or r.name}"
    if r.type == KEY:
        return f"arn:aws:kms:*:{account}:key/{r.name}"
    return f"arn:aws:s3:*:{account}:accesspoint/{_known(r.props.get('name')) or r.name}"


class _Reader:
    """Reads the documents of the stack once."""

    def __init__(self, stack: Stack, account: str = STACK_ACCOUNT):
        self.stack = stack
        self.account = account
        self.unknown: list[str] = []
        self.unverifiable: list[str] = []

    def _resolve_unknowns(self, r: Resource, prop: str, value: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """A document object with values unknown in preview: a statement's unknown Resource (an Allow's Principal
        too) stands for the resources its property depends on (so a grant, or a denial, is decided before ARNs
        exist); unknowns elsewhere stay unknown (conditions on them are undecided). None when unknowns remain where
        they decide (Action, Effect)."""
        deps = set(r.property_dependencies.get(prop, ()))
        targets = [d for d in self.stack.resources if d.urn in deps]
        resources = [resource_arn(d, self.account) for d in targets if d.type in (*BUCKET_TYPES, KEY, ACCESS_POINT)]
        resources = [x for arn in resources for x in (arn, f"{arn}/*")]
        principals = [principal_arn(d, self.account) for d in targets if d.type in (ROLE, USER)]
        statements = value.get("Statement")
        out = []
        for stmt in _items(statements):
            if not isinstance(stmt, Mapping):
                return None
            stmt = dict(stmt)
            if any(contains_unknown(stmt.get(k)) for k in ("Effect", "Action", "NotAction", "Sid")):
                return None
            if contains_unknown(stmt.get("Resource")):
                # Allow or Deny: an unknown resource stands for the resources the document depends on.
                stmt["Resource"] = [v for item in _items(stmt["Resource"])
                                    for v in (resources if is_unknown(item) else [item])]
            if stmt.get("Effect") == "Allow":
                principal = stmt.get("Principal")
                if isinstance(principal, Mapping) and contains_unknown(principal):
                    stmt["Principal"] = {k: [v for item in _items(vals) for v in
                                             (principals if is_unknown(item) else [item])]
                                         for k, vals in principal.items()}
                if contains_unknown(stmt.get("Resource")) or contains_unknown(stmt.get("Principal")):
                    return None
            out.append(stmt)
        return {**value, "Statement": out}

    def document(self, r: Resource, prop: str, label: str | None = None) -> Doc | None:
        value = r.props.get(prop) if isinstance(r.props, Mapping) else None
        if value is None or value == "":
            return None
        if contains_unknown(value):
            resolved = self._resolve_unknowns(r, prop, value) if isinstance(value, Mapping) else None
            if resolved is None:
                self.unknown.append(f"{_label(r)}.{prop}")
                return None
            value = resolved
        policy = parse_policy(value)
        if policy.malformed:
            self.unverifiable.append(f"{_label(r)}.{prop} ({policy.malformed})")
        return Doc(r, label or _label(r), policy)

    def managed(self, arns: Iterable[str], via: Resource, holder: StackPrincipal | None) -> list[Doc]:
        out = []
        for arn in arns:
            policies = self.stack.with_identifier(arn, (POLICY,))
            if policies:
                out += [d for p in policies if (d := self.document(p, "policy")) is not None]
            elif is_aws_managed(arn):
                policy = managed_policy(arn)
                if policy is None:
                    self.unverifiable.append(f"{_label(via)}: AWS managed policy {arn} is not in the snapshot")
                    if holder is not None:
                        holder.unknown_managed.append(arn)
                else:
                    out.append(Doc(via, f"AWS managed policy {arn.rsplit('/', 1)[-1]} (via {_label(via)})", policy))
            else:
                self.unverifiable.append(f"{_label(via)}: policy {arn} is not defined in this stack")
        return out

    def policy_arns(self, r: Resource, prop: str) -> tuple[list[str], list[Resource]]:
        """Known ARNs, plus Policy resources reached through the property's dependencies when unknown."""
        value = r.props.get(prop) if isinstance(r.props, Mapping) else None
        arns = [v for v in _items(value) if isinstance(v, str) and not is_unknown(v)]
        deps: list[Resource] = []
        if is_unknown(value) or any(is_unknown(v) for v in _items(value)):
            urns = set(r.property_dependencies.get(prop, ()))
            deps = [p for p in self.stack.of_type(POLICY) if p.urn in urns]
            if not deps:
                self.unknown.append(f"{_label(r)}.{prop}")
        return arns, deps


def _principals(stack: Stack, reader: _Reader) -> dict[str, StackPrincipal]:
    """Roles, users and groups of the stack with every identity document that reaches them (by URN)."""
    kinds = {ROLE: "role", USER: "user", GROUP: "group"}
    out = {r.urn: StackPrincipal(r, kinds[r.type]) for r in stack.of_type(ROLE, USER, GROUP)}

    def attach(holder_types: tuple[str, ...], source: Resource, prop: str, docs: list[Doc], boundary: bool = False):
        holders, _ = linked(stack, source, prop, holder_types)
        if not holders and is_unknown(source.props.get(prop)):
            reader.unknown.append(f"{_label(source)}.{prop}")
        for holder in holders:
            target = out[holder.urn].boundary if boundary else out[holder.urn].identity
            target += docs

    for role in stack.of_type(ROLE):
        holder = out[role.urn]
        inline = role.props.get("inlinePolicies")
        if is_unknown(inline):
            reader.unknown.append(f"{_label(role)}.inlinePolicies")
        for i, item in enumerate(_items(inline)):
            if isinstance(item, Mapping):
                name = item.get("name") if isinstance(item.get("name"), str) else str(i)
                fake = Resource(role.type, role.name, role.urn, {"policy": item.get("policy")})
                doc = reader.document(fake, "policy", f"Role '{role.name}' inline policy '{name}'")
                if doc is not None:
                    holder.identity.append(doc)
        arns, deps = reader.policy_arns(role, "managedPolicyArns")
        holder.identity += reader.managed(arns, role, holder)
        holder.identity += [d for p in deps if (d := reader.document(p, "policy")) is not None]
    for principal in out.values():
        boundary = principal.resource.props.get("permissionsBoundary")
        if isinstance(boundary, str) and boundary and not is_unknown(boundary):
            principal.boundary += reader.managed([boundary], principal.resource, None)
        elif is_unknown(boundary):
            reader.unknown.append(f"{_label(principal.resource)}.permissionsBoundary")
    for type_, (prop, holder_type) in INLINE.items():
        for r in stack.of_type(type_):
            doc = reader.document(r, "policy")
            if doc is not None:
                attach((holder_type,), r, prop, [doc])
    for type_, (prop, holder_type, arn_prop) in ATTACHMENTS.items():
        for r in stack.of_type(type_):
            arns, deps = reader.policy_arns(r, arn_prop)
            docs = reader.managed(arns, r, None) + [d for p in deps if (d := reader.document(p, "policy"))]
            attach((holder_type,), r, prop, docs)
    for r in stack.of_type(POLICY_ATTACHMENT):
        arns, deps = reader.policy_arns(r, "policyArn")
        docs = reader.managed(arns, r, None) + [d for p in deps if (d := reader.document(p, "policy"))]
        for prop, holder_type in (("roles", ROLE), ("users", USER), ("groups", GROUP)):
            attach((holder_type,), r, prop, docs)
    for r in stack.of_type(GROUP_MEMBERSHIP):
        groups, _ = linked(stack, r, "group", (GROUP,))
        users, _ = linked(stack, r, "users", (USER,))
        for user in users:
            out[user.urn].groups += [out[g.urn] for g in groups]
    for r in stack.of_type(USER_GROUP_MEMBERSHIP):
        users, _ = linked(stack, r, "user", (USER,))
        groups, _ = linked(stack, r, "groups", (GROUP,))
        for user in users:
            out[user.urn].groups += [out[g.urn] for g in groups]
    return out


# --- per dataset ---------------------------------------------------------------------------------

def _bucket_names(bucket: Resource) -> list[str]:
    names = [bucket.name]
    physical = bucket.props.get("bucket") if isinstance(bucket.props, Mapping) else None
    if isinstance(physical, str) and not is_unknown(physical):
        names.append(physical)
    return names


def _bucket_tags(bucket: Resource) -> Mapping[str, Any]:
    tags = bucket.props.get("tags") if isinstance(bucket.props, Mapping) else None
    return tags if isinstance(tags, Mapping) else {}


def _known(value: Any) -> str | None:
    return value if isinstance(value, str) and value and not is_unknown(value) else None


@dataclass
class _BucketFacts:
    bucket: Resource
    arn: str
    policies: list[Doc]
    key: Resource | None
    key_arn: str | None
    key_policies: list[Doc]
    key_grants: list[Resource]
    access_points: list[tuple[Resource, str, list[Doc]]]  # (access point, its ARN, policies)
    hidden: bool = False  # a bucket or key policy is unknown (preview): a Deny in it could still remove access


def _account_of_arn(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[4] if len(parts) >= 6 and parts[4] and not is_unknown(parts[4]) else None


def _bucket_facts(stack: Stack, reader: _Reader, bucket: Resource) -> _BucketFacts:
    arn = resource_arn(bucket, reader.account)
    linked_policies = [p for p in stack.referencing(bucket, (BUCKET_POLICY,), "bucket")
                       if _links(stack, p, "bucket", bucket)]
    policies = [d for p in linked_policies if (d := reader.document(p, "policy")) is not None]
    hidden = len(policies) < len(linked_policies)
    key = None
    key_arn = None
    for sse in stack.referencing(bucket, SSE_TYPES, "bucket"):
        if not _links(stack, sse, "bucket", bucket):
            continue
        for rule in _items(sse.props.get("rules")):
            default = rule.get("applyServerSideEncryptionByDefault") if isinstance(rule, Mapping) else None
            if not isinstance(default, Mapping):
                continue
            value = default.get("kmsMasterKeyId")
            if isinstance(value, str) and not is_unknown(value):
                key_arn = value
                key = next(iter(stack.with_identifier(value, (KEY,))), None)
            elif is_unknown(value):
                deps = set(sse.property_dependencies.get("rules", ()))
                key = next((k for k in stack.of_type(KEY) if k.urn in deps), None)
                key_arn = _known(key.props.get("arn")) if key else None
    key_policies: list[Doc] = []
    grants: list[Resource] = []
    if key is not None:
        key_arn = key_arn or resource_arn(key, reader.account)
        doc = reader.document(key, "policy")
        key_policies += [doc] if doc else []
        hidden |= doc is None and key.props.get("policy") not in (None, "")
        for kp in stack.referencing(key, (KEY_POLICY,), "keyId"):
            if _links(stack, kp, "keyId", key) and (d := reader.document(kp, "policy")):
                key_policies.append(d)
        grants = [g for g in stack.referencing(key, (KMS_GRANT,), "keyId") if _links(stack, g, "keyId", key)]
    points = []
    for ap in stack.referencing(bucket, (ACCESS_POINT,), "bucket"):
        if not _links(stack, ap, "bucket", bucket):
            continue
        ap_arn = resource_arn(ap, reader.account)
        docs = [d] if (d := reader.document(ap, "policy")) else []
        docs += [d for p in stack.referencing(ap, (ACCESS_POINT_POLICY,), "accessPointArn")
                 if _links(stack, p, "accessPointArn", ap) if (d := reader.document(p, "policy"))]
        points.append((ap, ap_arn, docs))
    return _BucketFacts(bucket, arn, policies, key, key_arn, key_policies, grants, points, hidden)


def _links(stack: Stack, source: Resource, prop: str, target: Resource) -> bool:
    """Value over structure: a known value must name the target; an unknown one links by dependency."""
    found, _ = linked(stack, source, prop, (target.type,))
    return target in found


def _grant_allows(grants: list[Resource], principal_arn: str | None, operation: str, stack: Stack,
                  who: Resource | None) -> list[Grant]:
    out = []
    for grant in grants:
        ops = [o for o in _items(grant.props.get("operations")) if isinstance(o, str)]
        if operation.split(":", 1)[1] not in ops:
            continue
        grantee = grant.props.get("granteePrincipal")
        if (principal_arn and grantee == principal_arn) or (
                who is not None and is_unknown(grantee)
                and who.urn in grant.property_dependencies.get("granteePrincipal", ())):
            out.append((f"{_label(grant)} ({operation.split(':', 1)[1]})", grant))
    return out


class _Prober:
    def __init__(self, stack: Stack, facts: _BucketFacts, dataset: CatalogDataset, stack_account: str):
        self.stack = stack
        self.facts = facts
        self.dataset = dataset
        self.stack_account = stack_account

    def objects(self) -> list[str]:
        prefixes = self.dataset.keys or ("",)
        return [f"{self.facts.arn}/{p}" for p in prefixes]

    def _decide(self, principal: Principal, action: str, resource: str, identity: list[Doc], boundary: list[Doc],
                resource_docs: list[Doc], prefix: bool) -> list[Grant] | None:
        """The statements that let `principal` do `action` on `resource`, or None when it cannot."""
        request = Request(principal=principal, action=action, resource=resource, open_context=True,
                          resource_account=self.stack_account, resource_is_prefix=prefix)
        labels = {}
        docs = []
        for i, d in enumerate(identity):
            labels[f"identity[{i}]"] = d
            docs.append(d.policy)
        merged_resource = Policy(tuple(s for d in resource_docs for s in d.policy.statements))
        decision = evaluate(request, identity_policies=docs, resource_policy=merged_resource if resource_docs else None,
                            boundary=Policy(tuple(s for d in boundary for s in d.policy.statements)) if boundary
                            else None)
        if not decision.allowed:
            return None
        return [self._describe(m, labels, resource_docs) for m in decision.deciding
                if m.policy.startswith(("identity", "resource"))]

    @staticmethod
    def _describe(match: Match, labels: Mapping[str, Doc], resource_docs: list[Doc]) -> Grant:
        if match.policy == "resource":
            for d in resource_docs:
                if any(s is match.statement for s in d.policy.statements):
                    return d.describe(match.statement), d.source
        doc = labels.get(match.policy)
        return (doc.describe(match.statement), doc.source) if doc else (str(match), None)

    def levels(self, principal: Principal, identity: list[Doc], boundary: list[Doc],
               grant_holder: Resource | None) -> dict[str, list[Grant]]:
        """level -> granting statements (with the resources holding them)."""
        out: dict[str, list[Grant]] = {}
        facts = self.facts
        for level, actions in OBJECT_PROBES.items():
            for action in actions:
                found = None
                for objects in self.objects():
                    found = self._decide(principal, action, objects, identity, boundary, facts.policies, True)
                    if found is None:
                        for _ap, ap_arn, ap_docs in facts.access_points:
                            found = self._via_access_point(principal, action, ap_arn, ap_docs, identity, boundary)
                            if found is not None:
                                break
                    if found is not None:
                        break
                if found is None:
                    continue
                kms = KEY_PROBES.get(level)
                if kms and facts.key_arn:
                    via_key = self._decide(principal, kms, facts.key_arn, identity, boundary, facts.key_policies,
                                           False) if facts.key_policies else None
                    if via_key is None:
                        via_key = _grant_allows(facts.key_grants, principal.arn, kms, self.stack, grant_holder) or None
                    if via_key is None:
                        continue
                    found = found + via_key
                out[level] = found
                break
        manage: list[Grant] = []
        for action in MANAGE_BUCKET_PROBES:
            found = self._decide(principal, action, facts.arn, identity, boundary, facts.policies, False)
            if found:
                manage += found
                break
        if not manage:
            for action in MANAGE_OBJECT_PROBES:
                found = self._decide(principal, action, self.objects()[0], identity, boundary, facts.policies, True)
                if found:
                    manage += found
                    break
        if not manage and facts.key_arn and facts.key_policies:
            for action in MANAGE_KEY_PROBES:
                found = self._decide(principal, action, facts.key_arn, identity, boundary, facts.key_policies, False)
                if found:
                    manage += found
                    break
        if manage:
            out["manage"] = manage
        return out

    def _via_access_point(self, principal: Principal, action: str, ap_arn: str, ap_docs: list[Doc],
                          identity: list[Doc], boundary: list[Doc]) -> list[Grant] | None:
        prefix = self.dataset.keys[0] if self.dataset.keys else ""
        through_ap = self._decide(principal, action, f"{ap_arn}/object/{prefix}", identity, boundary, ap_docs, True)
        if through_ap is None:
            return None
        # The bucket policy must not deny it either (it usually delegates to access points).
        denied = self._decide(principal, action, f"{self.facts.arn}/{prefix}", [_ALLOW_ALL], [], self.facts.policies,
                              True)
        return through_ap if denied is not None else None


_ALLOW_ALL = Doc(None, "any identity policy", parse_policy({"Statement": [{"Effect": "Allow", "Action": "*",
                                                                            "Resource": "*"}]}))


def _external_principals(docs: Iterable[Doc], known_arns: set[str]) -> set[str]:
    """Principals named by resource-based policies that are not principals of the stack."""
    out = set()
    for doc in docs:
        for stmt in doc.policy.allows:
            for kind, values in (stmt.principals or {}).items():
                for value in values:
                    value = value.strip()
                    if kind == "AWS" and value not in known_arns and not is_unknown(value) or kind == "Service":
                        out.add(value)
            if stmt.not_principals is not None:
                out.add("*")
    return out


def stack_account(stack: Stack) -> str:
    """The stack's own account: from a known resource ARN, else (preview) from the account root that a key policy
    of the stack gives kms:* or kms:PutKeyPolicy (AWS's default key policy, or a management-only root statement
    that keeps the key manageable: only a key's own account has it in practice), else unknown."""
    for r in stack.resources:
        account = _account_of_arn(_known(r.props.get("arn")) if isinstance(r.props, Mapping) else None)
        if account and account.isdigit():
            return account
    roots = set()
    for key in stack.of_type(KEY):
        policy = parse_policy(key.props.get("policy")) if not contains_unknown(key.props.get("policy")) else None
        for stmt in policy.allows if policy else ():
            if {"kms:*", "kms:PutKeyPolicy"} & set(stmt.actions or ()):
                roots |= {_account_of_arn(v) for v in (stmt.principals or {}).get("AWS", ()) if v.endswith(":root")}
    roots.discard(None)
    return roots.pop() if len(roots) == 1 else STACK_ACCOUNT  # type: ignore[return-value]


def compute(stack: Stack, catalog: DatasetCatalog) -> AccessView:
    """The effective-access view of every catalog dataset over the stack."""
    account = stack_account(stack)
    reader = _Reader(stack, account)
    principals = _principals(stack, reader)
    datasets_out = []
    buckets = stack.of_type(*BUCKET_TYPES)
    for entry in catalog.datasets:
        matched = [b for b in buckets if entry.matches_bucket(_bucket_names(b), _bucket_tags(b))]
        accesses: dict[str, AccessEntry] = {}
        for bucket in matched:
            facts = _bucket_facts(stack, reader, bucket)
            prober = _Prober(stack, facts, entry, account)
            known_arns = set()
            for sp in principals.values():
                if sp.kind == "group":
                    continue  # groups reach data through their users; an empty group is no one
                arn = principal_arn(sp.resource, account)
                known_arns.add(arn)
                who = Principal(arn=arn, account=_account_of_arn(arn) or account, tags=sp.tags)
                found = prober.levels(who, sp.all_identity(), sp.boundary, sp.resource)
                _record(accesses, sp.name, found, sp.resource, who, sp.tags, facts.hidden)
            resource_docs = facts.policies + facts.key_policies + [d for _, _, ds in facts.access_points for d in ds]
            for value in sorted(_external_principals(resource_docs, known_arns)):
                who = Principal.of(value)
                if who.account is None and who.arn and not who.service:
                    who = Principal(arn=who.arn, account=_account_of_arn(who.arn))
                found = prober.levels(who, [_ALLOW_ALL], [], None)
                # An account root in a resource policy is the whole account: outside the stack's own account, or
                # for the stack's own account only when the grant goes beyond delegating to its IAM policies.
                if who.account == account and value.endswith(":root") or value == account:
                    continue
                _record(accesses, value, found, None, who, {}, facts.hidden)
            _access_grants(stack, bucket, facts, entry, principals, accesses, reader)
            _lake_formation(stack, bucket, facts, principals, accesses)
        rows = sorted((e for e in accesses.values() if e.levels), key=lambda e: e.principal)
        datasets_out.append(DatasetAccess(entry, matched, rows))
    return AccessView(datasets_out, reader.unknown, reader.unverifiable)


def _record(accesses: dict[str, AccessEntry], name: str, found: Mapping[str, list[Grant]],
            resource: Resource | None, who: Principal, tags: Mapping[str, str], hidden: bool = False) -> None:
    if not found:
        return
    entry = accesses.setdefault(name, AccessEntry(name, resource=resource, account=who.account, tags=dict(tags),
                                                  arn=who.arn))
    entry.hidden |= hidden
    for level, grants in found.items():
        entry.add(level, [*grants, ("", resource)] if resource is not None else grants)
        entry.granted_by[level] = [t for t in entry.granted_by[level] if t]


def _principal_name(principals: Mapping[str, StackPrincipal], value: Any, holder: Resource,
                    prop_deps: Iterable[str]) -> tuple[str, Resource | None, Principal]:
    for sp in principals.values():
        if (isinstance(value, str) and value in sp.resource.identifiers()) or (
                is_unknown(value) and sp.resource.urn in prop_deps):
            return sp.name, sp.resource, Principal(arn=sp.arn, tags=sp.tags)
    text = value if isinstance(value, str) and not is_unknown(value) else f"<unknown principal of {_label(holder)}>"
    return text, None, Principal.of(text) if text.startswith("arn:") else Principal()


def _access_grants(stack: Stack, bucket: Resource, facts: _BucketFacts, entry: CatalogDataset,
                   principals: Mapping[str, StackPrincipal], accesses: dict[str, AccessEntry],
                   reader: _Reader) -> None:
    """S3 Access Grants: a grant in a location whose scope covers the bucket."""
    name = _known(bucket.props.get("bucket")) or bucket.name
    for location in stack.of_type(ACCESS_GRANTS_LOCATION):
        scope = location.props.get("locationScope")
        if is_unknown(scope):
            reader.unknown.append(f"{_label(location)}.locationScope")
            continue
        if not isinstance(scope, str) or not (scope in ("s3://", "s3://*") or scope.startswith(f"s3://{name}")
                                               or f"s3://{name}".startswith(scope.rstrip("*"))):
            continue
        for grant in stack.of_type(ACCESS_GRANT):
            if not _links(stack, grant, "accessGrantsLocationId", location) and not (
                    grant.props.get("accessGrantsLocationId") == location.props.get("accessGrantsLocationId")
                    and _known(grant.props.get("accessGrantsLocationId"))):
                continue
            grantee = grant.props.get("grantee") if isinstance(grant.props.get("grantee"), Mapping) else {}
            identifier = grantee.get("granteeIdentifier")
            deps = grant.property_dependencies.get("grantee", ())
            who_name, who_resource, who = _principal_name(principals, identifier, grant, deps)
            permission = str(grant.props.get("permission", ""))
            levels = {"READ": ["read"], "WRITE": ["write"], "READWRITE": ["read", "write"]}.get(permission, [])
            found = {lv: [(f"{_label(grant)} ({permission} on {scope})", grant)] for lv in levels}
            _record(accesses, who_name, found, who_resource, who, {})


LF_LEVELS = {"SELECT": ["read"], "INSERT": ["write"], "DELETE": ["delete"], "ALTER": ["manage"], "DROP": ["manage"],
             "ALL": ["read", "write", "delete", "manage"], "DATA_LOCATION_ACCESS": ["manage"]}


def _lake_formation(stack: Stack, bucket: Resource, facts: _BucketFacts, principals: Mapping[str, StackPrincipal],
                    accesses: dict[str, AccessEntry]) -> None:
    """Lake Formation permissions on the bucket as a data location, or on Glue tables stored in it."""
    name = _known(bucket.props.get("bucket")) or bucket.name
    tables = set()
    for table in stack.of_type(GLUE_TABLE):
        storage = table.props.get("storageDescriptor")
        location = storage.get("location") if isinstance(storage, Mapping) else None
        if isinstance(location, str) and (location.startswith(f"s3://{name}/") or location == f"s3://{name}"):
            tables.add((table.props.get("databaseName"), table.props.get("name")))
    for perm in stack.of_type(LF_PERMISSIONS):
        granted = [p for p in _items(perm.props.get("permissions")) if isinstance(p, str)]
        where = None
        location = perm.props.get("dataLocation")
        if isinstance(location, Mapping) and (location.get("arn") == facts.arn or _links(stack, perm, "dataLocation",
                                                                                           bucket)):
            where = "data location"
        table = perm.props.get("table")
        if isinstance(table, Mapping):
            db = table.get("databaseName")
            if (db, table.get("name")) in tables or (table.get("wildcard") and any(t[0] == db for t in tables)):
                where = f"table {db}.{table.get('name') or '*'}"
        columns = perm.props.get("tableWithColumns")
        if isinstance(columns, Mapping) and (columns.get("databaseName"), columns.get("name")) in tables:
            where = f"table {columns.get('databaseName')}.{columns.get('name')}"
        if where is None:
            continue
        who_name, who_resource, who = _principal_name(principals, perm.props.get("principal"), perm,
                                                      perm.property_dependencies.get("principal", ()))
        found: dict[str, list[Grant]] = {}
        for permission in granted:
            for level in LF_LEVELS.get(permission, []):
                found.setdefault(level, []).append((f"{_label(perm)} ({permission} on {where})", perm))
        _record(accesses, who_name, found, who_resource, who, {})


def iter_cells(view: AccessView) -> Iterator[tuple[DatasetAccess, AccessEntry]]:
    for dataset in view.datasets:
        for entry in dataset.access:
            yield dataset, entry
