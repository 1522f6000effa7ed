"""Reading what a CloudFormation template, a Cloud Control desired state or an aws-native resource
declares, in the shape the pack's checks read (pulumi-aws inputs).

CloudFormation properties are PascalCase; their lowerCamel form is the pulumi-aws input for the
resource types below, except for the renames each entry lists (and the few shapes a `reshape`
function rebuilds). Intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, YAML `!Ref`...) stand for
values known only at deploy time: they become the engine's unknown sentinel, so a check counts a
reference as set and notes a flag it cannot read, exactly as in a Pulumi preview.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ml_dataset_governance.policies.values import UNKNOWN


class TemplateError(ValueError):
    """A template body that is neither JSON nor YAML, or has no Resources map."""


def _yaml_loader() -> Any:
    import yaml  # lazily: only packs that meet a CloudFormation stack pay for it

    class Loader(yaml.SafeLoader):
        pass

    def intrinsic(loader: Any, _suffix: str, node: Any) -> str:
        return UNKNOWN  # !Ref, !GetAtt, !Sub...: a value computed by CloudFormation

    Loader.add_multi_constructor("!", intrinsic)
    return Loader


def parse(body: Any) -> dict[str, Any]:
    """A template as a dict (JSON or YAML text, or an object already)."""
    if isinstance(body, Mapping):
        return dict(body)
    if not isinstance(body, str):
        raise TemplateError("not a template document")
    try:
        parsed = json.loads(body)
    except ValueError:
        import yaml

        try:
            parsed = yaml.load(body, Loader=_yaml_loader())  # noqa: S506 - SafeLoader subclass
        except yaml.YAMLError as exc:
            raise TemplateError(f"neither JSON nor YAML ({type(exc).__name__})") from None
    if not isinstance(parsed, Mapping):
        raise TemplateError("not a template object")
    return dict(parsed)


_INTRINSICS = frozenset({"Ref", "Condition"}) | {f"Fn::{f}" for f in (
    "GetAtt", "Sub", "Join", "Select", "Split", "If", "ImportValue", "FindInMap", "GetAZs", "Base64", "Cidr",
    "Transform", "ToJsonString", "Length")}


def _camel(key: str) -> str:
    return key[:1].lower() + key[1:] if key[:1].isupper() and not key.isupper() else key


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in _INTRINSICS


def _is_document_key(key: Any) -> bool:
    """IAM-style documents (key, bucket, role policies) keep their own keys: `Statement`, `Effect`..."""
    return isinstance(key, str) and (key.endswith("PolicyDocument") or key in ("KeyPolicy", "Policy"))


def _document(value: Any) -> Any:
    if _is_intrinsic(value):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: _document(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_document(v) for v in value]
    return value


def to_inputs(value: Any) -> Any:
    """CloudFormation property values -> pulumi-style inputs: lowerCamel keys, intrinsics as unknowns."""
    if isinstance(value, Mapping):
        if _is_intrinsic(value):
            return UNKNOWN
        return {(_camel(str(k)) if not _is_map_key(k) else k): (_document(v) if _is_document_key(k) else to_inputs(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [to_inputs(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)  # numbers arrive as floats on the wire
    return value


def _is_map_key(key: Any) -> bool:
    """Keys of free-form maps (tags, environment) are the user's: `aws:` keys and lower-case keys stay."""
    return not isinstance(key, str) or ":" in key


@dataclass(frozen=True)
class TypeMapping:
    token: str  # the pulumi-aws type whose checks apply
    renames: Mapping[str, str] = field(default_factory=dict)  # lowerCamel CFN name -> pulumi input name
    reshape: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def _security_group(props: dict[str, Any]) -> dict[str, Any]:
    def entry(rule: Any) -> Any:
        if not isinstance(rule, Mapping):
            return rule
        out = dict(rule)
        out["protocol"] = out.pop("ipProtocol", None)
        out["cidrBlocks"] = [out.pop("cidrIp")] if "cidrIp" in out else []
        out["ipv6CidrBlocks"] = [out.pop("cidrIpv6")] if "cidrIpv6" in out else []
        return out

    props["ingress"] = [entry(r) for r in props.pop("securityGroupIngress", None) or []]
    return props


def _notebook_lifecycle(props: dict[str, Any]) -> dict[str, Any]:
    for key in ("onCreate", "onStart"):
        hooks = props.get(key)
        if isinstance(hooks, list):
            contents = [h.get("content") for h in hooks if isinstance(h, Mapping)]
            props[key] = UNKNOWN if UNKNOWN in contents else "\n".join(c for c in contents if isinstance(c, str))
    return props


def _role(props: dict[str, Any]) -> dict[str, Any]:
    policies = props.pop("policies", None)
    if isinstance(policies, list):
        props["inlinePolicies"] = [{"name": p.get("policyName"), "policy": p.get("policyDocument")}
                                   for p in policies if isinstance(p, Mapping)]
    return props


def _monitoring_definition(kind: str) -> TypeMapping:
    """Model bias/quality/explainability job definitions share the data-quality definition's shape."""
    return TypeMapping("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition", renames={
        f"{kind}JobOutputConfig": "dataQualityJobOutputConfig",
        f"{kind}AppSpecification": "dataQualityAppSpecification",
    })


# CloudFormation type -> the pulumi-aws resource whose rules judge it.
CFN_TYPES: dict[str, TypeMapping] = {
    "AWS::SageMaker::Domain": TypeMapping("aws:sagemaker/domain:Domain"),
    "AWS::SageMaker::UserProfile": TypeMapping("aws:sagemaker/userProfile:UserProfile"),
    "AWS::SageMaker::Space": TypeMapping("aws:sagemaker/space:Space"),
    "AWS::SageMaker::NotebookInstance": TypeMapping("aws:sagemaker/notebookInstance:NotebookInstance",
                                                 renames={"securityGroupIds": "securityGroups"}),
    "AWS::SageMaker::NotebookInstanceLifecycleConfig": TypeMapping(
        "aws:sagemaker/notebookInstanceLifecycleConfiguration:NotebookInstanceLifecycleConfiguration",
        reshape=_notebook_lifecycle),
    "AWS::SageMaker::StudioLifecycleConfig": TypeMapping("aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig"),
    "AWS::SageMaker::Model": TypeMapping("aws:sagemaker/model:Model"),
    "AWS::SageMaker::EndpointConfig": TypeMapping("aws:sagemaker/endpointConfiguration:EndpointConfiguration",
                                               renames={"kmsKeyId": "kmsKeyArn"}),
    "AWS::SageMaker::FeatureGroup": TypeMapping("aws:sagemaker/featureGroup:FeatureGroup"),
    "AWS::SageMaker::DataQualityJobDefinition": TypeMapping(
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition"),
    "AWS::SageMaker::ModelBiasJobDefinition": _monitoring_definition("modelBias"),
    "AWS::SageMaker::ModelQualityJobDefinition": _monitoring_definition("modelQuality"),
    "AWS::SageMaker::ModelExplainabilityJobDefinition": _monitoring_definition("modelExplainability"),
    "AWS::SageMaker::MonitoringSchedule": TypeMapping("aws:sagemaker/monitoringSchedule:MonitoringSchedule"),
    # No pulumi-aws resource: the aws-native type is judged directly (sagemaker-inference-experiment-kms-encrypted).
    "AWS::SageMaker::InferenceExperiment": TypeMapping("aws-native:sagemaker:InferenceExperiment"),
    "AWS::KMS::Key": TypeMapping("aws:kms/key:Key", renames={
        "keyPolicy": "policy", "keySpec": "customerMasterKeySpec", "enabled": "isEnabled",
        "pendingWindowInDays": "deletionWindowInDays"}),
    "AWS::S3::BucketPolicy": TypeMapping("aws:s3/bucketPolicy:BucketPolicy", renames={"policyDocument": "policy"}),
    "AWS::S3::AccessPoint": TypeMapping("aws:s3/accessPoint:AccessPoint"),
    "AWS::IAM::Role": TypeMapping("aws:iam/role:Role", renames={"assumeRolePolicyDocument": "assumeRolePolicy"},
                               reshape=_role),
    "AWS::IAM::Policy": TypeMapping("aws:iam/policy:Policy", renames={"policyDocument": "policy"}),
    "AWS::IAM::ManagedPolicy": TypeMapping("aws:iam/policy:Policy", renames={"policyDocument": "policy"}),
    "AWS::EC2::SecurityGroup": TypeMapping("aws:ec2/securityGroup:SecurityGroup", reshape=_security_group),
    "AWS::Glue::DataCatalogEncryptionSettings": TypeMapping(
        "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings"),
    "AWS::LakeFormation::DataLakeSettings": TypeMapping("aws:lakeformation/dataLakeSettings:DataLakeSettings"),
}

# Services whose resources hold or open a path to data: declared in a template but not mapped above,
# they are reported as not judged rather than silently passed.
GOVERNED_SERVICES = ("AWS::S3", "AWS::SageMaker", "AWS::KMS", "AWS::IAM", "AWS::EC2", "AWS::Glue",
                     "AWS::LakeFormation", "AWS::CloudTrail", "AWS::S3Express", "AWS::CloudFormation", "AWS::SSO")


def translate(cfn_type: str, properties: Any) -> tuple[str, dict[str, Any]] | None:
    """(pulumi token, inputs) for a mapped CloudFormation type, else None."""
    mapping = CFN_TYPES.get(cfn_type)
    if mapping is None:
        return None
    props = to_inputs(properties if isinstance(properties, Mapping) else {})
    if not isinstance(props, dict):
        props = {}
    for old, new in mapping.renames.items():
        if old in props:
            props[new] = props.pop(old)
    if mapping.reshape is not None:
        props = mapping.reshape(props)
    return mapping.token, props


def native_to_cfn(token: str) -> str | None:
    """`aws-native:sagemaker:Model` -> `AWS::SageMaker::Model` for the types mapped above."""
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "aws-native":
        return None
    for cfn_type in CFN_TYPES:
        _, service, name = cfn_type.split("::")
        if service.lower() == parts[1] and name == parts[2]:
            return cfn_type
    return None


# aws-native tokens judged through the mapped pulumi-aws rules (those mapped to an aws-native token have own rules).
NATIVE_TYPES = tuple(f"aws-native:{t.split('::')[1].lower()}:{t.split('::')[2]}" for t, m in CFN_TYPES.items()
                     if not m.token.startswith("aws-native:"))


def governed(cfn_type: str) -> bool:
    return any(cfn_type.startswith(prefix + "::") for prefix in GOVERNED_SERVICES)
