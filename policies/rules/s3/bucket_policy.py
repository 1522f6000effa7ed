"""S3 bucket policies: never public; dataset buckets deny plaintext and access from outside the VPC endpoint."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies import iam_documents as iam
from ml_dataset_governance.policies.access.conditions import Context, evaluate_conditions
from ml_dataset_governance.policies.access.document import Statement, parse_statement
from ml_dataset_governance.policies.access.evaluate import Principal, principal_match, statement_covers_action
from ml_dataset_governance.policies.datasets import BUCKET_TYPES, DATASET_PARAMS
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, CIS, FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.rules.s3.common import (
    BUCKET_POLICY,
    DATASET_NOTE,
    each_bucket,
    inline_setting,
)
from ml_dataset_governance.policies.values import (
    MalformedDocument,
    NeedsValue,
    as_document,
    as_list,
)


def _policy_not_public(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    raw = r.get("policy")
    try:
        doc = as_document(raw)
    except MalformedDocument as exc:
        yield f"policy cannot be parsed ({exc}); expected a JSON policy document."
        return
    if doc is None:
        return
    public = [(i, s) for i, s in enumerate(iam.statements(doc)) if iam.is_public_statement(s)]
    if public:
        names = ", ".join(_statement_name(s, i) for i, s in public)
        yield (f"policy allows a wildcard principal without a restricting condition ({names}); expected named "
               "principals, or a condition on aws:SourceVpce, aws:PrincipalOrgID, aws:SourceAccount or similar.")


def _statement_name(stmt: Mapping[str, Any], index: int) -> str:
    sid = stmt.get("Sid")
    return f"statement {sid!r}" if isinstance(sid, str) and sid else f"statement #{index + 1}"


_PUBLIC_POLICY_REMEDIATION = """Name the principals, or restrict a wildcard principal with a condition:

    aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "ReadThroughEndpoint", "Effect": "Allow", "Principal": "*",
                       "Action": "s3:GetObject", "Resource": pulumi.Output.concat(bucket.arn, "/*"),
                       "Condition": {"StringEquals": {"aws:SourceVpce": s3_endpoint.id}}}]}))"""


POLICY_NOT_PUBLIC = Rule(
    id="s3-bucket-policy-not-public",
    title="S3 bucket policies allow no wildcard principal without a restricting condition",
    severity="critical",
    enforcement="mandatory",
    frameworks=(FSBP("S3.2"), NIST("AC-3"), AWS_CONFIG("s3-bucket-public-read-prohibited")),
    rationale="`Principal: \"*\"` (or {\"AWS\": \"*\"}, or an account wildcard) in an Allow grants every AWS "
              "principal and anonymous callers, unless a condition ties it to a VPC endpoint, an organization, "
              "an account or a source ARN. Deny statements with `Principal: \"*\"` are the safe idiom and pass. "
              "A policy that cannot be parsed is a violation: it cannot be shown to be private.",
    remediation=_PUBLIC_POLICY_REMEDIATION,
    checks=(_policy_not_public,),
    resource_types=(BUCKET_POLICY, *BUCKET_TYPES),
    tags=("s3", "public-access"),
)


def bucket_policies(stack: Stack, bucket: Resource) -> list[Any]:
    """The bucket's policy documents (raw): BucketPolicy resources referring to it, and an inline policy."""
    docs: list[Any] = []
    for policy in stack.referencing(bucket, (BUCKET_POLICY,), "bucket"):
        docs.append((policy.name, policy.props.get("policy") if isinstance(policy.props, Mapping) else None))
    inline = inline_setting(bucket, "policy")
    if inline:
        docs.append((bucket.name, inline))
    return docs


def _deny_statements(stack: Stack, bucket: Resource) -> tuple[list[dict[str, Any]], bool]:
    """Deny statements with a wildcard principal from the bucket's policies; True if a policy was unknown."""
    return stack.memo(("s3-deny-statements", bucket.urn), lambda: _read_deny_statements(stack, bucket))


def _read_deny_statements(stack: Stack, bucket: Resource) -> tuple[list[dict[str, Any]], bool]:
    found: list[dict[str, Any]] = []
    unknown = False
    for _name, raw in bucket_policies(stack, bucket):
        try:
            doc = as_document(raw)
        except NeedsValue:
            unknown = True
            continue
        except MalformedDocument:
            continue  # the resource rule s3-bucket-policy-not-public reports it
        for stmt in iam.statements(doc):
            effect = stmt.get("Effect")
            if isinstance(effect, str) and effect.lower() == "deny" and "*" in [p.strip() for p in
                                                                                iam.principals(stmt)]:
                found.append(stmt)
    return found, unknown


def _condition_values(stmt: Mapping[str, Any], operators: Iterable[str], keys: Iterable[str]) -> list[Any]:
    condition = stmt.get("Condition")
    if not isinstance(condition, Mapping):
        return []
    operators = {o.lower() for o in operators}
    keys = {k.lower() for k in keys}
    values: list[Any] = []
    for operator, entries in condition.items():
        if not isinstance(operator, str) or operator.lower() not in operators or not isinstance(entries, Mapping):
            continue
        for key, value in entries.items():
            if isinstance(key, str) and key.lower() in keys:
                values.extend(as_list(value))
    return values


def _policy_verdict(predicate: Callable[[Mapping[str, Any]], bool], missing: str) -> Callable[..., str | None]:
    def verdict(stack: Stack, bucket: Resource, _params: Mapping[str, Any]) -> str | None:
        denies, unknown = _deny_statements(stack, bucket)
        if any(predicate(s) for s in denies):
            return None
        if unknown:
            raise NeedsValue("policy")
        return missing

    return verdict


# Judged by effect with the policy model: a Deny counts when it covers reading, writing and listing for any caller
# and its conditions hold for the request in question whatever else the request carries.
_ANY_CALLER = Principal(arn="arn:aws:iam::000000000000:role/any-caller", account="000000000000")
_DATA_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:ListBucket")


def _deny_applies(stmt: Mapping[str, Any] | Statement, request: Mapping[str, str], absent: Iterable[str] = ()) -> bool:
    model = stmt if isinstance(stmt, Statement) else parse_statement(0, stmt)
    if not model.is_deny or principal_match(model, _ANY_CALLER) is None:
        return False
    if not all(statement_covers_action(model, a) for a in _DATA_ACTIONS):
        return False
    context = Context({**_ANY_CALLER.context_keys(), **request}, open=True, absent=absent)
    return evaluate_conditions(model.conditions, context) is True


def _denies_plaintext(stmt: Mapping[str, Any]) -> bool:
    return _deny_applies(stmt, {"aws:SecureTransport": "false"})


_TLS_VERDICT = _policy_verdict(
    _denies_plaintext,
    "no bucket policy statement denies requests without TLS; expected a Deny of s3:* for Principal '*' with "
    "Condition Bool aws:SecureTransport = false.")


def _datasets_tls_only(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from each_bucket(stack, params, _TLS_VERDICT, datasets_only=True)


_TLS_POLICY_SNIPPET = """    objects = pulumi.Output.concat(bucket.arn, "/*")
    aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [bucket.arn, objects],
                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))"""


DATASET_TLS_ONLY = Rule(
    id="s3-dataset-bucket-tls-only",
    title="Dataset bucket policies deny requests without TLS",
    severity="medium",
    enforcement="advisory",
    frameworks=(FSBP("S3.5"), CIS("2.1.1"), NIST("SC-8")),
    rationale="Without a Deny on aws:SecureTransport = false, S3 accepts plain HTTP requests, exposing "
              "dataset objects and credentials-bearing requests on the wire. " + DATASET_NOTE,
    remediation="Deny plaintext requests in the bucket policy:\n\n" + _TLS_POLICY_SNIPPET,
    checks=(_datasets_tls_only,),
    stack=True,
    params=DATASET_PARAMS,
    tags=("s3", "datasets", "encryption-in-transit"),
)


def _denies_outside_endpoint(stmt: Mapping[str, Any]) -> bool:
    """A Deny keyed on the endpoint (or VPC) that applies to a caller from the internet and to one through another
    endpoint; exemptions of named roles or delivering services (absent for an ordinary caller) are accepted."""
    values = _condition_values(stmt, ("StringNotEquals", "StringNotEqualsIfExists", "StringNotLike",
                                      "StringNotLikeIfExists"), ("aws:SourceVpce", "aws:SourceVpc"))
    if not any(isinstance(v, str) and v.strip() and v.strip() != "*" for v in values):
        return False
    absent = ("aws:principalservicename", "aws:sourcevpce", "aws:sourcevpc")
    elsewhere = {"aws:SourceVpce": "vpce-00000000elsewhere", "aws:SourceVpc": "vpc-00000000elsewhere"}
    model = parse_statement(0, stmt)  # once for both requests
    return _deny_applies(model, {}, absent) and _deny_applies(model, elsewhere, absent[:1])


_VPCE_VERDICT = _policy_verdict(
    _denies_outside_endpoint,
    "no bucket policy statement denies access from outside the VPC endpoint; expected a Deny of s3:* for Principal "
    "'*' with Condition StringNotEquals aws:SourceVpce = <endpoint id>.")


def _datasets_vpce_only(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    yield from each_bucket(stack, params, _VPCE_VERDICT, datasets_only=True)


_VPCE_POLICY_SNIPPET = """    objects = pulumi.Output.concat(bucket.arn, "/*")
    aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DenyAccessOutsideVpcEndpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [bucket.arn, objects],
                       "Condition": {"StringNotEquals": {"aws:SourceVpce": s3_endpoint.id}}}]}))"""


DATASET_VPCE_ONLY = Rule(
    id="s3-dataset-bucket-vpce-only",
    title="Dataset bucket policies deny access from outside the VPC endpoint",
    severity="medium",
    enforcement="advisory",
    frameworks=(NIST("SC-7"), NIST("AC-4")),
    rationale="A Deny on aws:SourceVpce (or aws:SourceVpc) keeps dataset reads inside the network: stolen "
              "credentials used from the internet are refused. Additional conditions that exempt named "
              "administrative roles or delivering services are accepted. " + DATASET_NOTE,
    remediation="Deny access from outside the S3 endpoint in the bucket policy:\n\n" + _VPCE_POLICY_SNIPPET,
    checks=(_datasets_vpce_only,),
    stack=True,
    params=DATASET_PARAMS,
    tags=("s3", "datasets", "network"),
)


RULES = (POLICY_NOT_PUBLIC, DATASET_TLS_ONLY, DATASET_VPCE_ONLY)
