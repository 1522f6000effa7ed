"""SageMaker rules: Studio domains, user profiles, notebook instances, endpoint configs, models."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.frameworks import AWS_CONFIG, FSBP, NIST
from ml_dataset_governance.policies.instance_storage import has_local_nvme
from ml_dataset_governance.policies.model import Resource, Rule, ValueCheck
from ml_dataset_governance.policies.values import Unverifiable, get, is_unknown, present

DOMAIN = "aws:sagemaker/domain:Domain"
USER_PROFILE = "aws:sagemaker/userProfile:UserProfile"
SPACE = "aws:sagemaker/space:Space"
NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
MODEL = "aws:sagemaker/model:Model"


# --- Studio domain -------------------------------------------------------------------------------

def _domain_auth_mode(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    allowed = params.get("allowedAuthModes") or ["IAM"]
    mode = r.get("authMode")
    if mode not in allowed:
        yield f"authMode is {mode!r}; expected one of {', '.join(allowed)}."


_domain_vpc_only = ValueCheck("appNetworkAccessType", "VpcOnly", unset="unset (AWS defaults to PublicInternetOnly)",
                              why=" so Studio traffic never leaves the VPC")


def _domain_kms(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    yield from _kms_key_messages(r, "kmsKeyId", params)


def _kms_key_messages(r: Resource, prop: str, params: Mapping[str, Any]) -> Iterator[str]:
    """A key must be set; with an approved list, it must be one of them (then an unknown key cannot be judged)."""
    if not present(r.props, prop):
        yield f"{prop} is not set; expected a customer-managed KMS key."
        return
    approved = params.get("approvedKmsKeys") or []
    if approved:
        key = r.get(prop)  # raises NeedsValue while the key's ARN is unknown
        if key not in approved:
            yield f"{prop} is not one of the approved KMS keys."


def sharing_messages(settings: Any, where: str) -> Iterator[str]:
    """Notebook sharing must be disabled, or encrypted with KMS to a chosen S3 path."""
    sharing = get(settings, "sharingSettings")
    if sharing is None:
        # Studio's default when sharingSettings is absent is "Allowed" without encryption.
        yield f"{where}.sharingSettings is unset (AWS allows sharing); expected notebookOutputOption 'Disabled'."
        return
    option = get(sharing, "notebookOutputOption")
    if option == "Disabled":
        return
    missing = [prop for prop in ("s3KmsKeyId", "s3OutputPath") if not present(sharing, prop)]
    if missing:
        yield (f"{where}.sharingSettings allows notebook sharing without {' and '.join(missing)}; "
               "expected notebookOutputOption 'Disabled', or a KMS key and an S3 output path.")


def _domain_sharing(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    settings = r.get("defaultUserSettings")
    if settings is None:
        yield "defaultUserSettings is not set; expected sharing settings that disable notebook sharing."
        return
    yield from sharing_messages(settings, "defaultUserSettings")


def _profile_sharing(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    # A profile without userSettings inherits the domain's defaults, which the domain rule checks.
    settings = r.get("userSettings")
    if settings is None or get(settings, "sharingSettings") is None:
        return
    yield from sharing_messages(settings, "userSettings")


def _profile_execution_role(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if not present(r.props, "userSettings.executionRole"):
        yield "userSettings.executionRole is not set; expected a per-persona execution role."


def _profile_security_groups(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    settings = r.get("userSettings")
    if settings is not None and get(settings, "securityGroups") == []:
        yield "userSettings.securityGroups is empty; expected the Studio security groups."


# --- Notebook instances --------------------------------------------------------------------------

_notebook_internet = ValueCheck("directInternetAccess", "Disabled", unset="unset (AWS defaults to Enabled)")
_notebook_root = ValueCheck("rootAccess", "Disabled", unset="unset (AWS defaults to Enabled)")


def _notebook_subnet(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if not present(r.props, "subnetId"):
        yield "subnetId is not set; expected the notebook to run in a private subnet of the VPC."


def _notebook_kms(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    yield from _kms_key_messages(r, "kmsKeyId", params)


def _endpoint_config_kms(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    if not present(r.props, "kmsKeyArn") and _any_variant_local_nvme(r):
        return  # AWS rejects a volume key when any variant has local NVMe storage (hardware-encrypted)
    yield from _kms_key_messages(r, "kmsKeyArn", params)


def _any_variant_local_nvme(r: Resource) -> bool:
    variants = r.get("productionVariants")
    types = [get(v, "instanceType") for v in (variants if isinstance(variants, list) else [])]
    return any(has_local_nvme(t) for t in types)


def _model_isolated(r: Resource, _params: Mapping[str, Any]) -> Iterator[str | Unverifiable]:
    isolation = r.props.get("enableNetworkIsolation") if isinstance(r.props, Mapping) else None
    in_vpc = present(r.props, "vpcConfig.subnets") and present(r.props, "vpcConfig.securityGroupIds")
    if isolation is True or in_vpc:
        return
    if is_unknown(isolation):
        yield Unverifiable("enableNetworkIsolation")
        return
    yield "neither enableNetworkIsolation nor vpcConfig (subnets and securityGroupIds) is set; expected one."


_AUTH_PARAMS = {
    "allowedAuthModes": {
        "type": "array",
        "items": {"type": "string", "enum": ["IAM", "SSO"]},
        "default": ["IAM"],
        "description": "Auth modes a Studio domain may use.",
    }
}
_KMS_PARAMS = {
    "approvedKmsKeys": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "When non-empty, only these KMS key ids/ARNs are accepted.",
    }
}
_SHARING_REMEDIATION = """Disable notebook sharing (or encrypt shared output with a customer key):

    default_user_settings=aws.sagemaker.DomainDefaultUserSettingsArgs(
        execution_role=role.arn,
        sharing_settings=aws.sagemaker.DomainDefaultUserSettingsSharingSettingsArgs(
            notebook_output_option="Disabled"),
    )"""

RULES = (
    Rule(
        id="sagemaker-domain-iam-auth",
        title="SageMaker Studio domains use an approved auth mode (IAM by default)",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("AC-2"), NIST("IA-2")),
        rationale=(
            "IAM auth mode maps each persona to its own execution role, so dataset access follows the catalog. "
            "Prowler's SSO-only check is deliberately not followed: SSO is allowed only if listed in the config."
        ),
        remediation='Set `auth_mode="IAM"` on `aws.sagemaker.Domain` (or add "SSO" to allowedAuthModes).',
        checks=(_domain_auth_mode,),
        resource_types=(DOMAIN,),
        params=_AUTH_PARAMS,
        tags=("sagemaker", "identity"),
    ),
    Rule(
        id="sagemaker-domain-vpc-only",
        title="SageMaker Studio domains use VPC-only network access",
        severity="critical",
        enforcement="mandatory",
        frameworks=(AWS_CONFIG("sagemaker-domain-in-vpc"), NIST("SC-7")),
        rationale="With PublicInternetOnly (the default when unset) notebooks reach the internet directly and can "
                  "exfiltrate datasets around every VPC control.",
        remediation='Set `app_network_access_type="VpcOnly"` with private `subnet_ids` and VPC endpoints.',
        checks=(_domain_vpc_only,),
        resource_types=(DOMAIN,),
        tags=("sagemaker", "network"),
    ),
    Rule(
        id="sagemaker-domain-kms-encrypted",
        title="SageMaker Studio domains encrypt storage with a customer-managed KMS key",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("SC-28"),),
        rationale="The domain's EFS home directories hold dataset extracts; a customer key keeps access auditable "
                  "and revocable.",
        remediation="Set `kms_key_id=key.arn` on `aws.sagemaker.Domain`.",
        checks=(_domain_kms,),
        resource_types=(DOMAIN,),
        params=_KMS_PARAMS,
        tags=("sagemaker", "encryption"),
    ),
    Rule(
        id="sagemaker-domain-sharing-restricted",
        title="Studio notebook sharing is disabled or KMS-encrypted to a chosen S3 path",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("AC-3"), NIST("SC-28")),
        rationale="Shared notebook snapshots copy cell outputs (often dataset rows) to S3; unencrypted or to a "
                  "default bucket they escape dataset governance.",
        remediation=_SHARING_REMEDIATION,
        checks=(_domain_sharing,),
        resource_types=(DOMAIN,),
        tags=("sagemaker", "data-protection"),
    ),
    Rule(
        id="sagemaker-user-profile-sharing-restricted",
        title="Studio user profiles do not re-open notebook sharing the domain closed",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("AC-3"), NIST("SC-28")),
        rationale="A user profile's sharing settings override the domain defaults for that user.",
        remediation=_SHARING_REMEDIATION.replace("DomainDefaultUserSettings", "UserProfileUserSettings"),
        checks=(_profile_sharing,),
        resource_types=(USER_PROFILE,),
        tags=("sagemaker", "data-protection"),
    ),
    Rule(
        id="sagemaker-user-profile-own-role",
        title="Studio user profiles set their own execution role and security groups",
        severity="medium",
        enforcement="advisory",
        frameworks=(NIST("AC-6"),),
        rationale="Per-persona execution roles are how the catalog's least-privilege grants apply to a user.",
        remediation="Set `user_settings.execution_role` (and `security_groups`) on each `aws.sagemaker.UserProfile`.",
        checks=(_profile_execution_role, _profile_security_groups),
        resource_types=(USER_PROFILE,),
        tags=("sagemaker", "identity"),
    ),
    Rule(
        id="sagemaker-notebook-no-direct-internet",
        title="SageMaker notebook instances have direct internet access disabled",
        severity="high",
        enforcement="mandatory",
        frameworks=(FSBP("SageMaker.1"), NIST("SC-7")),
        rationale="AWS enables direct internet access when unset (Checkov CKV_AWS_122 wrongly passes that case).",
        remediation='Set `direct_internet_access="Disabled"` with `subnet_id` and `security_groups`.',
        checks=(_notebook_internet,),
        resource_types=(NOTEBOOK,),
        tags=("sagemaker", "network"),
    ),
    Rule(
        id="sagemaker-notebook-root-disabled",
        title="SageMaker notebook instances have root access disabled",
        severity="medium",
        enforcement="mandatory",
        frameworks=(FSBP("SageMaker.3"), NIST("AC-6")),
        rationale="Root access lets a user change the instance's network and credential setup.",
        remediation='Set `root_access="Disabled"` on `aws.sagemaker.NotebookInstance`.',
        checks=(_notebook_root,),
        resource_types=(NOTEBOOK,),
        tags=("sagemaker",),
    ),
    Rule(
        id="sagemaker-notebook-in-vpc",
        title="SageMaker notebook instances run in a VPC subnet",
        severity="high",
        enforcement="mandatory",
        frameworks=(FSBP("SageMaker.2"), NIST("SC-7")),
        rationale="Outside a VPC, no security group, endpoint policy or flow log applies to the notebook.",
        remediation="Set `subnet_id` (private subnet) and `security_groups` on `aws.sagemaker.NotebookInstance`.",
        checks=(_notebook_subnet,),
        resource_types=(NOTEBOOK,),
        tags=("sagemaker", "network"),
    ),
    Rule(
        id="sagemaker-notebook-kms-encrypted",
        title="SageMaker notebook instance volumes use a customer-managed KMS key",
        severity="medium",
        enforcement="mandatory",
        frameworks=(FSBP("SageMaker.21"), AWS_CONFIG("sagemaker-notebook-instance-kms-key-configured"), NIST("SC-28")),
        rationale="Notebook volumes hold dataset copies.",
        remediation="Set `kms_key_id=key.arn` on `aws.sagemaker.NotebookInstance`.",
        checks=(_notebook_kms,),
        resource_types=(NOTEBOOK,),
        params=_KMS_PARAMS,
        tags=("sagemaker", "encryption"),
    ),
    Rule(
        id="sagemaker-endpoint-config-kms-encrypted",
        title="SageMaker endpoint configurations encrypt volumes with a customer-managed KMS key",
        severity="medium",
        enforcement="mandatory",
        frameworks=(AWS_CONFIG("sagemaker-endpoint-configuration-kms-key-configured"), NIST("SC-28")),
        rationale="Endpoint volumes hold model artifacts trained on governed data. AWS rejects kmsKeyArn when a "
                  "production variant uses an instance type with local NVMe storage (ml.g5, ml.g4dn, ml.p4d, "
                  "ml.*d...), which is hardware-encrypted: such configurations are not flagged.",
        remediation="Set `kms_key_arn=key.arn` on `aws.sagemaker.EndpointConfiguration`.",
        checks=(_endpoint_config_kms,),
        resource_types=(ENDPOINT_CONFIG,),
        params=_KMS_PARAMS,
        tags=("sagemaker", "encryption"),
    ),
    Rule(
        id="sagemaker-model-network-isolated",
        title="SageMaker models run with network isolation or inside a VPC",
        severity="medium",
        enforcement="mandatory",
        frameworks=(FSBP("SageMaker.5"), NIST("SC-7")),
        rationale="A model container with open egress can send inference inputs (dataset rows) anywhere.",
        remediation="Set `enable_network_isolation=True`, or `vpc_config` with private subnets and security groups.",
        checks=(_model_isolated,),
        resource_types=(MODEL,),
        tags=("sagemaker", "network"),
    ),
)
