"""KMS rules: key rotation, key policies without public principals, deletion window, protection."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies import iam_documents as docs
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, CIS, FSBP, NIST
from ml_dataset_governance.policies.model import Resource, Rule
from ml_dataset_governance.policies.values import MalformedDocument, as_bool, as_document, as_number

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"
REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey"
# Replica and imported-material keys carry their own key policy and deletion window.
OTHER_KEY_KINDS = (REPLICA_KEY, EXTERNAL_KEY, REPLICA_EXTERNAL_KEY)

# AWS rotates only symmetric encryption keys with AWS-generated material in the AWS KMS key store.
ROTATABLE_SPEC = "SYMMETRIC_DEFAULT"
ROTATABLE_USAGE = "ENCRYPT_DECRYPT"
AWS_DEFAULT_DELETION_WINDOW_DAYS = 30.0
AWS_DEFAULT_ROTATION_PERIOD_DAYS = 365.0


# --- rotation ------------------------------------------------------------------------------------

def rotation_not_supported(r: Resource) -> str | None:
    """Why AWS cannot rotate this key automatically (None when it can)."""
    spec = r.get("customerMasterKeySpec")
    if isinstance(spec, str) and spec and spec != ROTATABLE_SPEC:
        return f"customerMasterKeySpec {spec}"
    usage = r.get("keyUsage")
    if isinstance(usage, str) and usage and usage != ROTATABLE_USAGE:
        return f"keyUsage {usage}"
    store = r.get("customKeyStoreId")
    if isinstance(store, str) and store:
        return "a custom key store"
    return None


def _key_rotation(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if as_bool(r.get("enableKeyRotation")) is True:
        return
    # Only now does the key's kind matter: asymmetric, HMAC and custom-store keys cannot be rotated by AWS.
    if rotation_not_supported(r) is not None:
        return
    found = "unset (AWS defaults to false)" if r.get("enableKeyRotation") is None else "false"
    yield f"enableKeyRotation is {found}; expected true for a symmetric encryption key."


def _key_rotation_period(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    if as_bool(r.get("enableKeyRotation")) is not True:
        return  # the rotation check reports that
    maximum = as_number(params.get("maximumRotationPeriodDays"))
    period = as_number(r.get("rotationPeriodInDays"))
    effective = AWS_DEFAULT_ROTATION_PERIOD_DAYS if period is None else period
    if maximum is not None and effective > maximum:
        found = "unset (AWS rotates every 365 days)" if period is None else f"{effective:g} days"
        yield f"rotationPeriodInDays is {found}; expected at most {maximum:g} days."


_ROTATION_REMEDIATION = """Enable automatic rotation on every symmetric customer-managed key:

    key = aws.kms.Key("dataset-key",
        customer_master_key_spec="SYMMETRIC_DEFAULT",
        enable_key_rotation=True,
        rotation_period_in_days=365)"""


KMS_KEY_ROTATION_ENABLED = Rule(
    id="kms-key-rotation-enabled",
    title="Symmetric customer-managed KMS keys have automatic rotation enabled",
    severity="medium",
    enforcement="mandatory",
    frameworks=(FSBP("KMS.4"), CIS("3.6"), NIST("SC-12"), AWS_CONFIG("cmk-backing-key-rotation-enabled")),
    rationale=(
        "Rotation limits how much data one key version protects and is required by CIS and FSBP. AWS leaves it "
        "off when enableKeyRotation is unset. Asymmetric, HMAC and custom-key-store keys cannot be rotated by "
        "AWS and are not flagged (customerMasterKeySpec other than SYMMETRIC_DEFAULT, keyUsage other than "
        "ENCRYPT_DECRYPT, or customKeyStoreId set). maximumRotationPeriodDays (default 365, AWS's own "
        "default period) can demand a shorter rotationPeriodInDays."
    ),
    remediation=_ROTATION_REMEDIATION,
    checks=(_key_rotation, _key_rotation_period),
    resource_types=(KEY,),
    params={
        "maximumRotationPeriodDays": {
            "type": "integer",
            "default": 365,
            "minimum": 90,
            "maximum": 2560,
            "description": "Longest accepted rotationPeriodInDays (unset means AWS's 365).",
        },
    },
    tags=("kms", "encryption"),
)


# --- key policy ----------------------------------------------------------------------------------

def _key_policy_public(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    raw = r.get("policy")
    try:
        document = as_document(raw, "policy")
    except MalformedDocument as exc:
        yield f"policy is not a readable policy document ({exc}); expected a JSON key policy."
        return
    if document is None:
        return  # AWS's default key policy trusts only the account
    if not isinstance(document.get("Statement"), (list, Mapping)):
        yield "policy has no Statement; expected a JSON key policy."
        return
    public = docs.public_statements(document)
    if public:
        sids = [s.get("Sid") for s in public if isinstance(s.get("Sid"), str) and s.get("Sid")]
        which = f" (Sid {', '.join(sids)})" if sids else ""
        yield (f"policy has {len(public)} Allow statement(s) with a wildcard principal and no restricting "
               f"condition{which}; expected named principals, or a condition on kms:CallerAccount, "
               "aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceVpce.")


_POLICY_REMEDIATION = """Name the principals (the account root delegates to IAM) or restrict a wildcard by a condition:

    policy = pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account_id, ":root")},
        "Action": "kms:*", "Resource": "*"}]})
    aws.kms.Key("dataset-key", enable_key_rotation=True, policy=policy)"""


KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL = Rule(
    id="kms-key-policy-no-public-principal",
    title="KMS key policies grant no wildcard principal without a restricting condition",
    severity="critical",
    enforcement="mandatory",
    frameworks=(FSBP("KMS.5"), NIST("AC-3"), NIST("AC-6")),
    rationale=(
        "A key policy statement allowing Principal \"*\" lets any AWS account use the key to decrypt dataset "
        "objects it can read. A wildcard is accepted only with a condition naming accounts, the organization, "
        "principals or VPC endpoints (kms:CallerAccount, aws:PrincipalOrgID, aws:PrincipalAccount, "
        "aws:PrincipalArn, aws:SourceVpce...), not with ...IfExists operators; kms:ViaService alone does not "
        "restrict (principals of any account can call through the service). A policy that is not valid JSON "
        "is a violation; an unset policy means AWS's default (account only) and passes."
    ),
    remediation=_POLICY_REMEDIATION,
    checks=(_key_policy_public,),
    resource_types=(KEY, KEY_POLICY, *OTHER_KEY_KINDS),
    tags=("kms", "access"),
)


# --- deletion and protection ---------------------------------------------------------------------

def _key_deletion_window(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    minimum = as_number(params.get("minimumDays"))
    raw = r.get("deletionWindowInDays")
    days = as_number(raw)
    if raw is not None and days is None:
        yield "deletionWindowInDays is not a number; expected a number of days."
        return
    effective = AWS_DEFAULT_DELETION_WINDOW_DAYS if days is None else days
    if minimum is not None and effective < minimum:
        yield f"deletionWindowInDays is {effective:g}; expected at least {minimum:g} days."


KMS_KEY_DELETION_WINDOW = Rule(
    id="kms-key-deletion-window",
    title="KMS keys keep the longest deletion waiting period",
    severity="medium",
    enforcement="advisory",
    frameworks=(FSBP("KMS.3"), NIST("CP-9")),
    rationale=(
        "Deleting a key makes every object it encrypted unreadable for good; the waiting period is the only "
        "chance to cancel. Unset means AWS's 30 days, which passes."
    ),
    remediation="Set `deletion_window_in_days=30` on `aws.kms.Key` (or leave it unset).",
    checks=(_key_deletion_window,),
    resource_types=(KEY, *OTHER_KEY_KINDS),
    params={
        "minimumDays": {
            "type": "integer",
            "default": 30,
            "minimum": 7,
            "maximum": 30,
            "description": "Shortest accepted deletionWindowInDays.",
        },
    },
    tags=("kms", "resilience"),
)


def _key_protected(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if not r.protect:
        yield "the protect resource option is not set; expected protect=True so no destroy can schedule its deletion."


KMS_KEY_PROTECTED = Rule(
    id="kms-key-protected",
    title="KMS keys are protected from pulumi destroy",
    severity="medium",
    enforcement="advisory",
    frameworks=(FSBP("KMS.3"), NIST("CP-9")),
    rationale=(
        "Dataset and audit keys outlive any one deployment: a careless `pulumi destroy` would schedule their "
        "deletion and, 30 days later, make the datasets and audit logs unreadable. Every customer-managed key "
        "is expected to be protected; a throw-away key is exempted with a reason."
    ),
    remediation="Create keys with `opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True)`.",
    checks=(_key_protected,),
    resource_types=(KEY,),
    tags=("kms", "resilience"),
)


RULES = (KMS_KEY_ROTATION_ENABLED, KMS_KEY_POLICY_NO_PUBLIC_PRINCIPAL, KMS_KEY_DELETION_WINDOW, KMS_KEY_PROTECTED)
