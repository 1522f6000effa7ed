"""Property-based tests of the model: it never raises on arbitrary trees, and its answers do not depend on the
order of statements (AWS evaluates a policy's statements as a set)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ml_dataset_governance.policies.access import Request, evaluate, parse_policy
from ml_dataset_governance.policies.access.grants import judge
from ml_dataset_governance.policies.access.public import public_statements, trust_issues
from ml_dataset_governance.policies.access.view import compute
from ml_dataset_governance.policies.model import Resource, Stack

from mlgov.testing import UNKNOWN

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = st.sampled_from(["Statement", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                        "NotResource", "Condition", "AWS", "Service", "Sid", "StringEquals", "IpAddress",
                        "ForAnyValue:StringLike", "StringNotEqualsIfExists", "Null", "aws:SourceIp",
                        "aws:SourceVpce", "aws:PrincipalArn"])
LEAVES = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.integers(), st.text(max_size=8),
                   st.sampled_from(["*", "Allow", "Deny", "s3:*", "s3:Get*", "arn:aws:s3:::b/*", "0.0.0.0/0",
                                    "${aws:username}", "10.0.0.0/8", UNKNOWN, "arn:aws:iam::*:root"]))
TREES = st.recursive(LEAVES, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(KEYS | st.text(max_size=5),
                                                                                          c, max_size=5)),
                     max_leaves=30)

# Well-formed statements, so that reordering is tested on documents AWS would accept.
ACTIONS = st.sampled_from(["s3:GetObject", "s3:Get*", "s3:*", "*", "s3:PutObject", "kms:Decrypt", "iam:PassRole"])
RESOURCES = st.sampled_from(["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b", "arn:aws:s3:::other/*",
                             "arn:aws:s3:::b/${aws:username}/*"])
CONDITIONS = st.sampled_from([None, {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
                              {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}},
                              {"Bool": {"aws:SecureTransport": "false"}},
                              {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]}},
                              {"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}}])
PRINCIPALS = st.sampled_from(["*", {"AWS": "arn:aws:iam::111122223333:role/r"}, {"AWS": "444455556666"},
                              {"Service": "s3.amazonaws.com"}])


@st.composite
def statements(draw, resource_based=False):
    stmt = {"Effect": draw(st.sampled_from(["Allow", "Deny"])),
            draw(st.sampled_from(["Action", "NotAction"])): draw(st.lists(ACTIONS, min_size=1, max_size=3)),
            draw(st.sampled_from(["Resource", "NotResource"])): draw(st.lists(RESOURCES, min_size=1, max_size=2))}
    condition = draw(CONDITIONS)
    if condition:
        stmt["Condition"] = condition
    if resource_based:
        stmt["Principal"] = draw(PRINCIPALS)
    return stmt


REQUESTS = st.builds(
    Request,
    principal=st.sampled_from(["arn:aws:iam::111122223333:role/r", "arn:aws:iam::444455556666:role/x", "*",
                               "arn:aws:iam::111122223333:user/carlos"]),
    action=ACTIONS.filter(lambda a: "*" not in a),
    resource=st.sampled_from(["arn:aws:s3:::b/k", "arn:aws:s3:::b", "arn:aws:s3:::b/carlos/k"]),
    context=st.sampled_from([{}, {"aws:SourceVpce": "vpce-1"}, {"aws:SecureTransport": "false"},
                             {"aws:SourceIp": "10.1.2.3"}]),
    resource_account=st.just("111122223333"),
    open_context=st.booleans(),
)


@SETTINGS
@given(doc=st.one_of(TREES, TREES.map(json.dumps)), request=REQUESTS)
def test_never_raises_on_arbitrary_trees(doc, request):
    policy = parse_policy(doc)
    evaluate(request, identity_policies=[doc], resource_policy=doc, boundary=doc, session_policies=[doc], scp=[doc])
    public_statements(policy)
    trust_issues(doc, ["111122223333"])
    for stmt in policy.statements:
        judge(stmt)


@SETTINGS
@given(props=st.dictionaries(st.sampled_from(["policy", "bucket", "role", "tags", "arn", "name", "inlinePolicies",
                                               "managedPolicyArns", "keyId", "operations", "granteePrincipal"]),
                             TREES, max_size=6),
       types=st.lists(st.sampled_from(["aws:s3/bucket:Bucket", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy",
                                       "aws:s3/bucketPolicy:BucketPolicy", "aws:kms/key:Key", "aws:kms/grant:Grant",
                                       "aws:iam/groupMembership:GroupMembership"]), min_size=1, max_size=6))
def test_the_view_never_raises_on_arbitrary_resources(props, types):
    from ml_dataset_governance.policies.access.catalog import parse_policy_catalog

    catalog = parse_policy_catalog([{"name": "d", "buckets": ["*"], "readers": ["arn:aws:iam::1:role/r"]}], [])
    stack = Stack(Resource(t, f"r{i}", f"urn:pulumi:s::p::{t}::r{i}", dict(props)) for i, t in enumerate(types))
    compute(stack, catalog)


@SETTINGS
@given(identity=st.lists(statements(), min_size=1, max_size=5),
       resource=st.lists(statements(resource_based=True), max_size=4),
       request=REQUESTS, seed=st.randoms())
def test_decisions_do_not_depend_on_statement_order(identity, resource, request, seed):
    before = evaluate(request, identity_policies=[{"Statement": identity}],
                      resource_policy={"Statement": resource} if resource else None)
    seed.shuffle(identity)
    seed.shuffle(resource)
    after = evaluate(request, identity_policies=[{"Statement": identity}],
                     resource_policy={"Statement": resource} if resource else None)
    assert (before.allowed, before.reason, before.certain) == (after.allowed, after.reason, after.certain)
    assert {m.statement.raw.get("Effect") for m in before.deciding} == {m.statement.raw.get("Effect")
                                                                         for m in after.deciding}


@SETTINGS
@given(stmts=st.lists(statements(resource_based=True), min_size=1, max_size=6), seed=st.randoms())
def test_public_verdicts_do_not_depend_on_statement_order(stmts, seed):
    before = sorted(json.dumps(s.raw, sort_keys=True) for s in public_statements({"Statement": stmts}))
    seed.shuffle(stmts)
    after = sorted(json.dumps(s.raw, sort_keys=True) for s in public_statements({"Statement": stmts}))
    assert before == after
