"""AWS's policy evaluation logic, row by row from its documentation (each row names its source)."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.access import Principal, Request, evaluate

EVAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html"
SINGLE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html"
CROSS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html"
BOUNDARY = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
KMS = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
SCP = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html"

ACCOUNT = "111122223333"
OTHER = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/reader"
USER = f"arn:aws:iam::{ACCOUNT}:user/carlos"
FOREIGN_ROLE = f"arn:aws:iam::{OTHER}:role/partner"
OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/data/k"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action="s3:GetObject", resource="arn:aws:s3:::amzn-s3-demo-bucket/*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action="s3:GetObject", resource="arn:aws:s3:::amzn-s3-demo-bucket/*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def req(principal=ROLE, action="s3:GetObject", resource=OBJECT, context=None, account=ACCOUNT, **kw):
    return Request(principal=principal, action=action, resource=resource, context=context or {},
                   resource_account=account, **kw)


ROWS = [
    # (source, description, request, policies, allowed)
    (EVAL, "no policy: implicit deny", req(), {}, False),
    (EVAL, "identity Allow", req(), {"identity_policies": [doc(allow())]}, True),
    (EVAL, "explicit deny overrides allow", req(),
     {"identity_policies": [doc(allow(), deny())]}, False),
    (EVAL, "a Deny in the resource-based policy overrides an identity Allow", req(),
     {"identity_policies": [doc(allow())], "resource_policy": doc(deny(Principal="*"))}, False),
    (SINGLE, "same account: a resource-based Allow naming the user is enough", req(principal=USER),
     {"resource_policy": doc(allow(Principal={"AWS": USER}))}, True),
    (SINGLE, "same account: a resource-based Allow naming the account only delegates to IAM", req(),
     {"resource_policy": doc(allow(Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))}, False),
    (SINGLE, "same account: either policy may allow", req(),
     {"identity_policies": [doc(allow())], "resource_policy": doc(allow(Principal={"AWS": USER}))}, True),
    (CROSS, "cross account: the identity Allow alone is not enough", req(principal=FOREIGN_ROLE),
     {"identity_policies": [doc(allow())]}, False),
    (CROSS, "cross account: the resource-based Allow alone is not enough", req(principal=FOREIGN_ROLE),
     {"resource_policy": doc(allow(Principal={"AWS": FOREIGN_ROLE}))}, False),
    (CROSS, "cross account: both allow", req(principal=FOREIGN_ROLE),
     {"identity_policies": [doc(allow())], "resource_policy": doc(allow(Principal={"AWS": FOREIGN_ROLE}))}, True),
    (CROSS, "cross account: naming the other account delegates to its IAM policies", req(principal=FOREIGN_ROLE),
     {"identity_policies": [doc(allow())], "resource_policy": doc(allow(Principal={"AWS": OTHER}))}, True),
    (BOUNDARY, "a boundary that does not allow the action limits the identity Allow", req(),
     {"identity_policies": [doc(allow())], "boundary": doc(allow(action="s3:ListBucket"))}, False),
    (BOUNDARY, "a boundary that allows it lets the identity Allow through", req(),
     {"identity_policies": [doc(allow())], "boundary": doc(allow(action="s3:*", resource="*"))}, True),
    (BOUNDARY, "a boundary alone grants nothing", req(), {"boundary": doc(allow(action="*", resource="*"))}, False),
    (BOUNDARY, "a resource-based Allow naming the user is not limited by the user's boundary", req(principal=USER),
     {"resource_policy": doc(allow(Principal={"AWS": USER})), "boundary": doc(allow(action="s3:ListBucket"))}, True),
    (BOUNDARY, "a resource-based Allow naming the role ARN is limited by the role's boundary", req(),
     {"resource_policy": doc(allow(Principal={"AWS": ROLE})), "boundary": doc(allow(action="s3:ListBucket"))},
     False),
    (BOUNDARY, "session policies intersect with identity policies", req(),
     {"identity_policies": [doc(allow())], "session_policies": [doc(allow(action="s3:PutObject"))]}, False),
    (SCP, "an SCP that does not allow the action denies it", req(),
     {"identity_policies": [doc(allow())], "scp": [doc(allow(action="ec2:*", resource="*"))]}, False),
    (SCP, "an SCP allowing everything leaves the identity Allow", req(),
     {"identity_policies": [doc(allow())], "scp": [doc(allow(action="*", resource="*"))]}, True),
    (KMS, "KMS: an IAM policy alone never allows using a key", req(action="kms:Decrypt", resource=KEY),
     {"identity_policies": [doc(allow(action="kms:Decrypt", resource="*"))]}, False),
    (KMS, "KMS: the default key policy (account root) enables IAM policies",
     req(action="kms:Decrypt", resource=KEY),
     {"identity_policies": [doc(allow(action="kms:Decrypt", resource="*"))],
      "resource_policy": doc(allow(action="kms:*", resource="*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))},
     True),
    (KMS, "KMS: the key policy naming the role is enough", req(action="kms:Decrypt", resource=KEY),
     {"resource_policy": doc(allow(action="kms:Decrypt", resource="*", Principal={"AWS": ROLE}))}, True),
    (EVAL, "NotAction allows everything else", req(action="s3:PutObject"),
     {"identity_policies": [doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]}, True),
    (EVAL, "NotAction excludes the listed actions", req(action="iam:CreateUser", resource="*"),
     {"identity_policies": [doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]}, False),
    (EVAL, "NotResource allows every other resource", req(),
     {"identity_policies": [doc({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::other/*"})]}, True),
    (EVAL, "NotPrincipal Deny spares the listed principal", req(principal=USER),
     {"identity_policies": [doc(allow())],
      "resource_policy": doc(deny(NotPrincipal={"AWS": USER}))}, True),
    (EVAL, "NotPrincipal Deny hits everyone else", req(),
     {"identity_policies": [doc(allow())], "resource_policy": doc(deny(NotPrincipal={"AWS": USER}))}, False),
    ("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html",
     "a policy variable in Resource takes the request's value", req(principal=USER, resource="arn:aws:s3:::b/carlos/x"),
     {"identity_policies": [doc(allow(resource="arn:aws:s3:::b/${aws:username}/*"))]}, True),
    ("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html",
     "a policy variable does not match another user's prefix", req(principal=USER, resource="arn:aws:s3:::b/maria/x"),
     {"identity_policies": [doc(allow(resource="arn:aws:s3:::b/${aws:username}/*"))]}, False),
    ("https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html",
     "anonymous read from a public bucket policy", req(principal="*", account=None),
     {"resource_policy": doc(allow(Principal="*"))}, True),
    ("https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
     "a service principal allowed by a resource-based policy", req(principal="cloudtrail.amazonaws.com",
                                                                   action="s3:PutObject"),
     {"resource_policy": doc(allow(action="s3:PutObject", Principal={"Service": "cloudtrail.amazonaws.com"}))}, True),
]


@pytest.mark.parametrize(("source", "description", "request_", "policies", "allowed"), ROWS,
                         ids=[r[1] for r in ROWS])
def test_evaluation_logic(source, description, request_, policies, allowed):
    assert source.startswith("https://docs.aws.amazon.com/")
    decision = evaluate(request_, **policies)
    assert decision.allowed is allowed, decision.reason


def test_decision_names_the_deciding_statement():
    decision = evaluate(req(), identity_policies=[doc(allow(), deny(Sid="NoReads"))])
    assert decision.reason == "explicit deny"
    assert [m.statement.sid for m in decision.deciding] == ["NoReads"]


def test_open_context_allows_undecided_allows_and_ignores_undecided_denies():
    vpce_deny = deny(Principal="*", Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}})
    closed = evaluate(req(), identity_policies=[doc(allow())], resource_policy=doc(vpce_deny))
    assert not closed.allowed  # the key is absent: StringNotEquals is true, the Deny applies
    inside = evaluate(req(context={"aws:SourceVpce": "vpce-1"}), identity_policies=[doc(allow())],
                      resource_policy=doc(vpce_deny))
    assert inside.allowed and inside.certain
    possible = evaluate(req(open_context=True), identity_policies=[doc(allow())], resource_policy=doc(vpce_deny))
    assert possible.allowed and not possible.certain


def test_principal_tags_join_the_context():
    tagged = Principal.of(ROLE, tags={"team": "science"})
    statement = allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "science"}})
    assert evaluate(req(principal=tagged), identity_policies=[doc(statement)]).allowed
    assert not evaluate(req(), identity_policies=[doc(statement)]).allowed


def test_malformed_documents_grant_nothing_and_never_raise():
    for bad in ("{not json", 3.0, [], {"Statement": "x"}, {"Statement": [{"Effect": "Allow"}]},
                {"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}):
        assert not evaluate(req(), identity_policies=[bad]).allowed


TRUST = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_compare-resource-policies.html"
TARGET_ROLE = f"arn:aws:iam::{ACCOUNT}:role/target"


def test_a_roles_trust_policy_must_allow_its_assumption_even_within_the_account():
    """TRUST: the trust policy is required; naming the account delegates to the caller's IAM policies, naming the
    principal directly is enough on its own, and an identity policy alone never lets anyone assume a role."""
    may_assume = doc(allow("sts:AssumeRole", "*"))
    account_trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                         "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:SourceIdentity": "sam"}}})
    assume = req(action="sts:AssumeRole", resource=TARGET_ROLE, context={"sts:SourceIdentity": "sam"})
    assert evaluate(assume, identity_policies=[may_assume], resource_policy=account_trust).allowed
    assert not evaluate(assume, resource_policy=account_trust).allowed, "delegation needs the caller's policy"
    other_identity = req(action="sts:AssumeRole", resource=TARGET_ROLE, context={"sts:SourceIdentity": "noor"})
    decision = evaluate(other_identity, identity_policies=[may_assume], resource_policy=account_trust)
    assert not decision.allowed and "trust policy" in decision.reason
    assert not evaluate(assume, identity_policies=[may_assume]).allowed, "no trust policy, no assumption"
    direct = doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sts:AssumeRole"})
    assert evaluate(assume, resource_policy=direct).allowed
