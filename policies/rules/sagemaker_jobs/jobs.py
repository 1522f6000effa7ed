"""One control over every job type (training, tuning, labeling and monitoring jobs; see
policies.sagemaker_shapes): in a VPC, network-isolated, encrypted between containers, volumes and
output under a customer key. AWS defaults when unset: no VPC (the job runs in a SageMaker service
network with internet egress), network isolation off, inter-container encryption off, volumes and
outputs under an AWS managed key."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.frameworks import AWS_CONFIG, FSBP, NIST
from ml_dataset_governance.policies.instance_storage import has_local_nvme
from ml_dataset_governance.policies.model import Resource, Rule
from ml_dataset_governance.policies.sagemaker_shapes import (
    definitions,
    known_strings,
    types_with,
)
from ml_dataset_governance.policies.values import as_bool, get, present

# --- one control over every job type -------------------------------------------------------------

def _unset_or(value: Any, default: str) -> str:
    return f"unset (AWS defaults to {default})" if value is None else repr(value).lower()


def _job_vpc(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    for where, tree, shape in definitions(r):
        if shape.vpc is None or (shape.compute and get(tree, shape.compute) is None):
            continue
        missing = [p for p in ("subnets", "securityGroupIds") if not present(tree, f"{shape.vpc}.{p}")]
        if missing:
            yield (f"{where}{shape.vpc} has no {' and no '.join(missing)}; expected private subnets and security "
                   "groups so the job runs inside the VPC.")


_JOB_REMEDIATION = """Run every job in the VPC, isolated, with encrypted traffic, volumes and output:

    aws.sagemaker.TrainingJob("train",
        role_arn=role.arn,
        vpc_config=aws.sagemaker.TrainingJobVpcConfigArgs(subnets=private_subnet_ids, security_group_ids=[sg.id]),
        enable_network_isolation=True,
        enable_inter_container_traffic_encryption=True,
        resource_config=aws.sagemaker.TrainingJobResourceConfigArgs(
            instance_type="ml.m5.xlarge", instance_count=1, volume_size_in_gb=50, volume_kms_key_id=key.arn),
        output_data_config=aws.sagemaker.TrainingJobOutputDataConfigArgs(
            s3_output_path=f"s3://{bucket}/models/", kms_key_id=key.arn), ...)"""


SAGEMAKER_JOB_IN_VPC = Rule(
    id="sagemaker-job-in-vpc",
    title="SageMaker training, tuning, labeling and monitoring jobs run in VPC subnets with security groups",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("SC-7"), NIST("AC-4")),
    rationale=(
        "Without vpcConfig a job runs in a SageMaker-managed network with internet egress: its containers "
        "can send the dataset they read anywhere, and no endpoint policy, security group or flow log applies. "
        "Labeling jobs are checked only when they run automated labeling (labelingJobAlgorithmsConfig). "
        "Subnet and security-group references computed at deploy time count as set."
    ),
    remediation=_JOB_REMEDIATION,
    checks=(_job_vpc,),
    resource_types=types_with("vpc"),
    tags=("sagemaker", "network"),
)


def _boolean_on(attribute: str, what: str) -> Any:
    def check(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
        for where, tree, shape in definitions(r):
            path = getattr(shape, attribute)
            if path is None:
                continue
            value = get(tree, path)
            if as_bool(value) is not True:
                yield f"{where}{path} is {_unset_or(value, 'false')}; expected true ({what})."
    check.__name__ = f"_job_{attribute}"
    return check


_job_isolation = _boolean_on("isolation", "no network calls in or out of the containers")


SAGEMAKER_JOB_NETWORK_ISOLATED = Rule(
    id="sagemaker-job-network-isolated",
    title="SageMaker training, tuning and monitoring jobs have network isolation enabled",
    severity="high",
    enforcement="mandatory",
    frameworks=(FSBP("SageMaker.11"), FSBP("SageMaker.14"), AWS_CONFIG("sagemaker-data-quality-job-isolation"),
                AWS_CONFIG("sagemaker-monitoring-schedule-isolation"), NIST("SC-7")),
    rationale=(
        "Network isolation stops every network call to or from the job's containers, including to AWS services, "
        "and gives the container no AWS credentials: even a malicious training image cannot exfiltrate data. "
        "AWS leaves it off when unset."
    ),
    remediation=_JOB_REMEDIATION,
    checks=(_job_isolation,),
    resource_types=types_with("isolation"),
    tags=("sagemaker", "network"),
)


_job_traffic_encryption = _boolean_on("traffic_encryption", "encrypted traffic between instances")


SAGEMAKER_JOB_INTER_CONTAINER_ENCRYPTED = Rule(
    id="sagemaker-job-inter-container-encrypted",
    title="SageMaker distributed jobs encrypt traffic between their instances",
    severity="medium",
    enforcement="mandatory",
    frameworks=(FSBP("SageMaker.9"), FSBP("SageMaker.22"),
                AWS_CONFIG("sagemaker-data-quality-job-encrypt-in-transit"),
                AWS_CONFIG("sagemaker-monitoring-schedule-traffic-encryption"), NIST("SC-8")),
    rationale=(
        "Distributed training and processing exchange gradients, weights and data batches between instances; "
        "without enableInterContainerTrafficEncryption that traffic crosses the network in clear. Off when unset."
    ),
    remediation=_JOB_REMEDIATION,
    checks=(_job_traffic_encryption,),
    resource_types=types_with("traffic_encryption"),
    tags=("sagemaker", "encryption"),
)


def _all_local_nvme(tree: Any, paths: tuple[str, ...]) -> bool:
    types = [t for p in paths for t in known_strings(tree, p)]
    return bool(types) and all(has_local_nvme(t) for t in types)


def _job_volume_key(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    for where, tree, shape in definitions(r):
        if not shape.volume_keys or (shape.compute and get(tree, shape.compute) is None):
            continue
        if any(present(tree, p) for p in shape.volume_keys):
            continue
        if _all_local_nvme(tree, shape.instance_types):
            continue  # local NVMe is hardware-encrypted and AWS rejects a volume key for it
        yield (f"{where}{shape.volume_keys[0]} is not set; expected a customer-managed KMS key for the ML storage "
               "volume (instance types with local NVMe storage are exempt).")


SAGEMAKER_JOB_VOLUME_KMS_ENCRYPTED = Rule(
    id="sagemaker-job-volume-kms-encrypted",
    title="SageMaker job storage volumes use a customer-managed KMS key (except local-NVMe instances)",
    severity="medium",
    enforcement="mandatory",
    frameworks=(NIST("SC-28"),),
    rationale=(
        "Training and processing volumes hold copies of the dataset. Instance types with local NVMe storage "
        "(ml.*d families such as ml.m5d, ml.c5d, ml.r5d, ml.g4dn, ml.p3dn, ml.p4d, and ml.g5, ml.g6, ml.p5, "
        "ml.trn1) are hardware-encrypted and AWS rejects a VolumeKmsKeyId for them (SageMaker API reference, "
        "ResourceConfig.VolumeKmsKeyId), so they are not flagged."
    ),
    remediation=_JOB_REMEDIATION,
    checks=(_job_volume_key,),
    resource_types=types_with("volume_keys"),
    tags=("sagemaker", "encryption"),
)


def _job_output_key(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    for where, tree, shape in definitions(r):
        if shape.output_key and not present(tree, shape.output_key):
            yield f"{where}{shape.output_key} is not set; expected a customer-managed KMS key for the job's output."


SAGEMAKER_JOB_OUTPUT_KMS_ENCRYPTED = Rule(
    id="sagemaker-job-output-kms-encrypted",
    title="SageMaker job outputs are encrypted with a customer-managed KMS key",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("SC-28"),),
    rationale=(
        "Model artifacts, labels and monitoring reports are derived from the dataset; written under an AWS "
        "managed key they can be decrypted by anyone who can read the output bucket."
    ),
    remediation=_JOB_REMEDIATION,
    checks=(_job_output_key,),
    resource_types=types_with("output_key"),
    tags=("sagemaker", "encryption"),
)


RULES = (
    SAGEMAKER_JOB_IN_VPC,
    SAGEMAKER_JOB_NETWORK_ISOLATED,
    SAGEMAKER_JOB_INTER_CONTAINER_ENCRYPTED,
    SAGEMAKER_JOB_VOLUME_KMS_ENCRYPTED,
    SAGEMAKER_JOB_OUTPUT_KMS_ENCRYPTED,
)
