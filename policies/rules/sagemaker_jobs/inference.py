"""Feature groups and inference: feature stores, endpoint data capture and inference experiments under a
customer key, redundant endpoint variants, and data stores writing to governed dataset buckets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.datasets import BUCKET_TYPES, DATASET_PARAMS
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, FSBP, NIST
from ml_dataset_governance.policies.governed_buckets import EXTERNAL_BUCKET_PARAM, destination_verdict
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.sagemaker_shapes import (
    ENDPOINT_CONFIG,
    FEATURE_GROUP,
)
from ml_dataset_governance.policies.values import NeedsValue, Unverifiable, as_bool, as_list, get, present

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


SAGEMAKER_FEATURE_GROUP_KMS_ENCRYPTED = Rule(
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
)


def _capture_keys(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    capture = r.get("dataCaptureConfig")
    enabled = capture is not None and as_bool(get(capture, "enableCapture")) is not False
    if enabled and not present(capture, "kmsKeyId"):
        yield ("dataCaptureConfig.kmsKeyId is not set; expected captured requests and responses (dataset rows) "
                   "encrypted with a customer-managed KMS key.")
    output = r.get("asyncInferenceConfig.outputConfig")
    if output is not None and not present(output, "kmsKeyId"):
        yield "asyncInferenceConfig.outputConfig.kmsKeyId is not set; expected a customer-managed KMS key."


SAGEMAKER_ENDPOINT_CONFIG_CAPTURE_KMS_ENCRYPTED = Rule(
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
)


def _variants_redundant(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    for index, variant in enumerate(as_list(r.get("productionVariants"))):
        if get(variant, "serverlessConfig") is not None:
            continue  # serverless variants have no instance count
        count = get(variant, "initialInstanceCount")
        if isinstance(count, (int, float)) and not isinstance(count, bool) and count < 2:
            yield (f"productionVariants[{index}].initialInstanceCount is {count:g}; expected at least 2 so SageMaker "
                   "spreads the variant over Availability Zones.")


SAGEMAKER_ENDPOINT_CONFIG_MULTI_INSTANCE = Rule(
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
)


INFERENCE_EXPERIMENT = "aws-native:sagemaker:InferenceExperiment"


def _experiment_keys(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    """Shadow tests copy live inference traffic: the instance storage and the captured data take a key each."""
    if not present(r.props, "kmsKey"):
        yield "kmsKey is not set; expected a customer-managed KMS key for the instance storage volumes."
    if r.get("dataStorageConfig") is not None and not present(r.props, "dataStorageConfig.kmsKey"):
        yield "dataStorageConfig.kmsKey is not set; expected captured requests and responses under a customer key."


SAGEMAKER_INFERENCE_EXPERIMENT_KMS_ENCRYPTED = Rule(
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
)


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


SAGEMAKER_DATA_STORES_GOVERNED_BUCKETS = Rule(
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
)


RULES = (
    SAGEMAKER_FEATURE_GROUP_KMS_ENCRYPTED,
    SAGEMAKER_ENDPOINT_CONFIG_CAPTURE_KMS_ENCRYPTED,
    SAGEMAKER_ENDPOINT_CONFIG_MULTI_INSTANCE,
    SAGEMAKER_INFERENCE_EXPERIMENT_KMS_ENCRYPTED,
    SAGEMAKER_DATA_STORES_GOVERNED_BUCKETS,
)
