"""SageMaker jobs and inference: training, tuning, labeling and monitoring jobs; feature groups;
endpoint data capture; container images; human-review workforces.

Each control is one check over every job type that has it (see policies.sagemaker_shapes), so a
training job, a tuning job's definitions and a monitoring schedule's inline definition are judged
alike. AWS defaults when unset: no VPC (the job runs in a SageMaker service network with internet
egress), network isolation off, inter-container encryption off, volumes and outputs under an AWS
managed key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.datasets import BUCKET_TYPES, DATASET_PARAMS
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, FSBP, NIST
from ml_dataset_governance.policies.governed_buckets import EXTERNAL_BUCKET_PARAM, destination_verdict
from ml_dataset_governance.policies.instance_storage import has_local_nvme
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.sagemaker_shapes import (
    ENDPOINT_CONFIG,
    FEATURE_GROUP,
    FLOW_DEFINITION,
    LABELING_JOB,
    MODEL,
    definitions,
    known_strings,
    types_with,
)
from ml_dataset_governance.policies.values import NeedsValue, Unverifiable, as_bool, as_list, get, present

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
_job_traffic_encryption = _boolean_on("traffic_encryption", "encrypted traffic between instances")


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


def _job_output_key(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    for where, tree, shape in definitions(r):
        if shape.output_key and not present(tree, shape.output_key):
            yield f"{where}{shape.output_key} is not set; expected a customer-managed KMS key for the job's output."


# --- container images ----------------------------------------------------------------------------

ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/")


def _image_paths(r: Resource) -> Iterator[tuple[str, Any, str]]:
    if r.type == MODEL:
        yield "", r.props, "primaryContainer.image"
        containers = r.get("containers")
        for index, _ in enumerate(as_list(containers)):
            yield "", r.props, f"containers.{index}.image"
        return
    for where, tree, shape in definitions(r):
        for path in shape.images:
            yield where, tree, path


def _image_private(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    accounts = params.get("allowedImageAccounts") or []
    registries = params.get("allowedRegistries") or []
    for where, tree, path in _image_paths(r):
        image = get(tree, path)
        if not isinstance(image, str) or not image:
            continue  # a model package, marketplace algorithm or built-in algorithm name instead of an image
        match = ECR_IMAGE.match(image)
        if match and (not accounts or match.group(1) in accounts):
            continue
        host = image.split("/", 1)[0]
        if not match and host in registries:
            continue
        found = f"ECR account {match.group(1)}" if match else f"registry '{host}'"
        expected = f"ECR in one of the accounts {', '.join(accounts)}" if accounts else "a private ECR registry"
        yield f"{where}{path} pulls from {found}; expected {expected} (or an allowed private registry)."


# --- labeling and human review -------------------------------------------------------------------

PUBLIC_WORKFORCE = re.compile(r":workteam/public-crowd/|:aws-marketplace:workteam/|:workteam/vendor/")


def _workteam(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    path = "humanTaskConfig.workteamArn" if r.type == LABELING_JOB else "humanLoopConfig.workteamArn"
    arn = r.get(path)
    if isinstance(arn, str) and PUBLIC_WORKFORCE.search(arn):
        kind = "the public Mechanical Turk workforce" if "public-crowd" in arn else "a marketplace vendor workforce"
        yield f"{path} is {kind}; expected a private workteam of your own workforce."


def _flow_output_key(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if not present(r.props, "outputConfig.kmsKeyId"):
        yield "outputConfig.kmsKeyId is not set; expected a customer-managed KMS key for human-review output."


# --- feature groups and endpoints ----------------------------------------------------------------

def _feature_group_keys(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if r.get("offlineStoreConfig") is not None and not present(r.props, "offlineStoreConfig.s3StorageConfig.kmsKeyId"):
        yield "offlineStoreConfig.s3StorageConfig.kmsKeyId is not set; expected a customer-managed KMS key."
    online = r.get("onlineStoreConfig")
    if online is None or as_bool(get(online, "enableOnlineStore")) is not True:
        return
    if get(online, "storageType") == "InMemory":
        return  # the in-memory tier takes no customer key; Security Hub SageMaker.18 covers standard storage only
    if not present(online, "securityConfig.kmsKeyId"):
        yield "onlineStoreConfig.securityConfig.kmsKeyId is not set; expected a customer-managed KMS key."


def _capture_keys(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    capture = r.get("dataCaptureConfig")
    enabled = capture is not None and as_bool(get(capture, "enableCapture")) is not False
    if enabled and not present(capture, "kmsKeyId"):
        yield ("dataCaptureConfig.kmsKeyId is not set; expected captured requests and responses (dataset rows) "
                   "encrypted with a customer-managed KMS key.")
    output = r.get("asyncInferenceConfig.outputConfig")
    if output is not None and not present(output, "kmsKeyId"):
        yield "asyncInferenceConfig.outputConfig.kmsKeyId is not set; expected a customer-managed KMS key."


def _variants_redundant(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    for index, variant in enumerate(as_list(r.get("productionVariants"))):
        if get(variant, "serverlessConfig") is not None:
            continue  # serverless variants have no instance count
        count = get(variant, "initialInstanceCount")
        if isinstance(count, (int, float)) and not isinstance(count, bool) and count < 2:
            yield (f"productionVariants[{index}].initialInstanceCount is {count:g}; expected at least 2 so SageMaker "
                   "spreads the variant over Availability Zones.")


INFERENCE_EXPERIMENT = "aws-native:sagemaker:InferenceExperiment"


def _experiment_keys(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    """Shadow tests copy live inference traffic: the instance storage and the captured data take a key each."""
    if not present(r.props, "kmsKey"):
        yield "kmsKey is not set; expected a customer-managed KMS key for the instance storage volumes."
    if r.get("dataStorageConfig") is not None and not present(r.props, "dataStorageConfig.kmsKey"):
        yield "dataStorageConfig.kmsKey is not set; expected captured requests and responses under a customer key."


# Where a resource copies data to S3: (type, top-level property, path to the S3 URI).
_DESTINATIONS = (
    (FEATURE_GROUP, "offlineStoreConfig", "offlineStoreConfig.s3StorageConfig.s3Uri"),
    (ENDPOINT_CONFIG, "dataCaptureConfig", "dataCaptureConfig.destinationS3Uri"),
)


def _stores_governed(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    for type_token, prop, path in _DESTINATIONS:
        for r in stack.of_type(type_token):
            try:
                if r.get(prop) is None:
                    continue
                why = destination_verdict(stack, r, prop, path, params)
            except NeedsValue as exc:
                yield Unverifiable(f"{r.name}: {exc.path}")
                continue
            if why:
                yield Finding(r.urn, f"{path} writes to {why}; expected a dataset bucket (tagged with the dataset "
                                     "tag) that carries the dataset's encryption, access and audit controls.")


# --- records -------------------------------------------------------------------------------------

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

RULES = (
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
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
    ),
    Rule(
        id="sagemaker-container-image-private-registry",
        title="SageMaker models and jobs pull container images from a private ECR registry",
        severity="high",
        enforcement="mandatory",
        frameworks=(FSBP("SageMaker.16"), FSBP("SageMaker.19"),
                    AWS_CONFIG("sagemaker-model-private-registry-required"),
                    AWS_CONFIG("sagemaker-model-multicontainer-private-registry"), NIST("SA-12"), NIST("SC-7")),
        rationale=(
            "A container image runs with the execution role's access to the datasets. Images from public "
            "registries (Docker Hub, public.ecr.aws, ghcr.io...) are outside your supply chain and need internet "
            "access to pull. allowedImageAccounts limits ECR to named accounts (add AWS's algorithm and DLC "
            "accounts if you use them); allowedRegistries admits a private registry reached with "
            "repositoryAccessMode 'Vpc'. Models, training and tuning jobs, data-quality job definitions and "
            "monitoring schedules are checked; a model package or algorithm name instead of an image is not."
        ),
        remediation="Push the image to ECR in your account and reference it: "
                    "`primary_container=aws.sagemaker.ModelPrimaryContainerArgs(image=repo.repository_url.apply("
                    "lambda u: f\"{u}:1.0\"))`.",
        checks=(_image_private,),
        resource_types=(MODEL, *types_with("images")),
        params={
            "allowedImageAccounts": {"type": "array", "items": {"type": "string"}, "default": [],
                                     "description": "ECR registry accounts allowed; empty allows any ECR account."},
            "allowedRegistries": {"type": "array", "items": {"type": "string"}, "default": [],
                                  "description": "Private registry hosts (reached in the VPC) allowed besides ECR."},
        },
        tags=("sagemaker", "supply-chain"),
    ),
    Rule(
        id="sagemaker-workforce-private",
        title="SageMaker labeling jobs and human-review flows use private workteams only",
        severity="critical",
        enforcement="mandatory",
        frameworks=(NIST("AC-3"), NIST("AC-21")),
        rationale=(
            "A labeling job or human-review flow sends dataset items to its workteam. The public Mechanical Turk "
            "workforce (workteam/public-crowd) and marketplace vendors (aws-marketplace) are people outside the "
            "organization: a dataset sent there is disclosed."
        ),
        remediation='Use your own private workteam: `human_task_config={"workteam_arn": private_workteam.arn, ...}`.',
        checks=(_workteam,),
        resource_types=(LABELING_JOB, FLOW_DEFINITION),
        tags=("sagemaker", "data-protection"),
    ),
    Rule(
        id="sagemaker-flow-definition-output-kms-encrypted",
        title="SageMaker human-review flow definitions encrypt their output with a customer-managed KMS key",
        severity="medium",
        enforcement="mandatory",
        frameworks=(NIST("SC-28"),),
        rationale="Human-review output holds the reviewed items and answers (Checkov CKV_AWS_372).",
        remediation='Set `output_config={"s3_output_path": f"s3://{bucket}/reviews/", "kms_key_id": key.arn}` on '
                    "`aws.sagemaker.FlowDefinition`.",
        checks=(_flow_output_key,),
        resource_types=(FLOW_DEFINITION,),
        tags=("sagemaker", "encryption"),
    ),
    Rule(
        id="sagemaker-feature-group-kms-encrypted",
        title="SageMaker feature groups encrypt offline and online stores with customer-managed KMS keys",
        severity="high",
        enforcement="mandatory",
        frameworks=(FSBP("SageMaker.17"), FSBP("SageMaker.18"), AWS_CONFIG("sagemaker-featuregroup-encryption-at-rest"),
                    AWS_CONFIG("sagemaker-featuregroup-online-store-encryption"), NIST("SC-28")),
        rationale=(
            "Feature stores are datasets: the offline store is an S3 copy of every feature record, the online "
            "store serves them. Each must be under a customer key. The InMemory online tier takes no customer key "
            "and is not flagged (SageMaker.18 covers standard storage)."
        ),
        remediation='Set `offline_store_config={"s3_storage_config": {"s3_uri": uri, "kms_key_id": key.arn}}` and '
                    '`online_store_config={"enable_online_store": True, "security_config": {"kms_key_id": key.arn}}`.',
        checks=(_feature_group_keys,),
        resource_types=(FEATURE_GROUP,),
        tags=("sagemaker", "encryption"),
    ),
    Rule(
        id="sagemaker-endpoint-config-capture-kms-encrypted",
        title="SageMaker endpoint data capture and async inference output are KMS-encrypted",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("SC-28"),),
        rationale=(
            "Data capture writes inference requests and responses (dataset rows and predictions) to S3; async "
            "inference writes responses. Without kmsKeyId they are under an S3-managed key."
        ),
        remediation='Set `data_capture_config={"enable_capture": True, "destination_s3_uri": uri, "kms_key_id": '
                    'key.arn, ...}` on `aws.sagemaker.EndpointConfiguration`.',
        checks=(_capture_keys,),
        resource_types=(ENDPOINT_CONFIG,),
        tags=("sagemaker", "encryption"),
    ),
    Rule(
        id="sagemaker-endpoint-config-multi-instance",
        title="SageMaker endpoint production variants run at least two instances",
        severity="low",
        enforcement="advisory",
        frameworks=(FSBP("SageMaker.4"), AWS_CONFIG("sagemaker-endpoint-config-prod-instance-count"), NIST("CP-10")),
        rationale="One instance is one Availability Zone: an outage takes the endpoint down. Advisory: availability, "
                  "not data exposure; serverless variants are not counted.",
        remediation="Set `initial_instance_count=2` on each production variant of "
                    "`aws.sagemaker.EndpointConfiguration`.",
        checks=(_variants_redundant,),
        resource_types=(ENDPOINT_CONFIG,),
        tags=("sagemaker", "resilience"),
    ),
    Rule(
        id="sagemaker-inference-experiment-kms-encrypted",
        title="SageMaker inference experiments encrypt instance storage and captured data with customer keys",
        severity="medium",
        enforcement="mandatory",
        frameworks=(FSBP("SageMaker.23"), FSBP("SageMaker.24"),
                    AWS_CONFIG("sagemaker-inf-experiment-instance-storage-kms-encrypted"),
                    AWS_CONFIG("sagemaker-inf-experiment-data-storage-kms-encrypted"), NIST("SC-28")),
        rationale=(
            "A shadow test runs a candidate model on copies of live inference traffic and can capture it to S3. "
            "pulumi-aws 7 has no inference-experiment resource: the aws-native resource is judged, and so is "
            "AWS::SageMaker::InferenceExperiment in CloudFormation templates and Cloud Control desired state."
        ),
        remediation='`aws_native.sagemaker.InferenceExperiment(..., kms_key=key.arn, data_storage_config={'
                    '"destination": uri, "kms_key": key.arn})`.',
        checks=(_experiment_keys,),
        resource_types=(INFERENCE_EXPERIMENT,),
        tags=("sagemaker", "encryption"),
    ),
    Rule(
        id="sagemaker-data-stores-governed-buckets",
        title="Feature-group offline stores and endpoint data capture write to governed dataset buckets",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("AC-3"), NIST("AU-2")),
        stack=True,
        reads=(FEATURE_GROUP, ENDPOINT_CONFIG, *BUCKET_TYPES),
        rationale=(
            "An offline feature store or a data-capture destination is a new copy of the dataset. In a bucket "
            "without the dataset tag it escapes the dataset's bucket policy, key, retention and audit trail. The "
            "destination is linked by property dependency (known in a first preview) or by the bucket name in the "
            "S3 URI; buckets governed by another stack are listed in allowedExternalBuckets."
        ),
        remediation="Point the store at a dataset bucket: "
                    "`s3_uri=pulumi.Output.concat(\"s3://\", dataset_bucket.bucket, \"/features/\")`.",
        checks=(_stores_governed,),
        params={**DATASET_PARAMS, **EXTERNAL_BUCKET_PARAM},
        tags=("sagemaker", "data-protection"),
    ),
)

