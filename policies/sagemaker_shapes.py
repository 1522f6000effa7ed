"""Where each SageMaker job type keeps its network, encryption and image settings.

Training jobs, tuning jobs (one `trainingJobDefinition` or a list of `trainingJobDefinitions`),
labeling jobs, data-quality job definitions and monitoring schedules (an inline
`monitoringJobDefinition`) spell the same controls at different paths. One table says where, so
each control is one check over every job type, and the guardrail and escape-hatch rules can
reuse it. Paths are engine names (camelCase); lists are walked element by element.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ml_dataset_governance.policies.model import Resource
from ml_dataset_governance.policies.values import as_list, get

TRAINING_JOB = "aws:sagemaker/trainingJob:TrainingJob"
TUNING_JOB = "aws:sagemaker/hyperParameterTuningJob:HyperParameterTuningJob"
LABELING_JOB = "aws:sagemaker/labelingJob:LabelingJob"
DATA_QUALITY_JOB = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition"
MONITORING_SCHEDULE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
MODEL = "aws:sagemaker/model:Model"
FLOW_DEFINITION = "aws:sagemaker/flowDefinition:FlowDefinition"


@dataclass(frozen=True)
class JobShape:
    """Paths inside one job definition; None means the job type has no such setting."""

    vpc: str | None = None
    isolation: str | None = None
    traffic_encryption: str | None = None
    volume_keys: tuple[str, ...] = ()  # any one set is enough
    instance_types: tuple[str, ...] = ()  # to recognise local-NVMe instances
    output_key: str | None = None
    images: tuple[str, ...] = ()
    compute: str | None = None  # the job runs our compute only when this is set (labeling automation)


_TRAINING = JobShape(
    vpc="vpcConfig", isolation="enableNetworkIsolation",
    traffic_encryption="enableInterContainerTrafficEncryption",
    volume_keys=("resourceConfig.volumeKmsKeyId", "hyperParameterTuningResourceConfig.volumeKmsKeyId"),
    instance_types=("resourceConfig.instanceType", "hyperParameterTuningResourceConfig.instanceType"),
    output_key="outputDataConfig.kmsKeyId", images=("algorithmSpecification.trainingImage",))
_MONITORING = JobShape(
    vpc="networkConfig.vpcConfig", isolation="networkConfig.enableNetworkIsolation",
    traffic_encryption="networkConfig.enableInterContainerTrafficEncryption",
    volume_keys=("jobResources.clusterConfig.volumeKmsKeyId",),
    instance_types=("jobResources.clusterConfig.instanceType",),
    output_key="dataQualityJobOutputConfig.kmsKeyId", images=("dataQualityAppSpecification.imageUri",))
_SCHEDULED = JobShape(
    vpc="networkConfig.vpcConfig", isolation="networkConfig.enableNetworkIsolation",
    traffic_encryption="networkConfig.enableInterContainerTrafficEncryption",
    volume_keys=("monitoringResources.clusterConfig.volumeKmsKeyId",),
    instance_types=("monitoringResources.clusterConfig.instanceType",),
    output_key="monitoringOutputConfig.kmsKeyId", images=("monitoringAppSpecification.imageUri",))
_LABELING = JobShape(
    vpc="labelingJobAlgorithmsConfig.labelingJobResourceConfig.vpcConfig",
    volume_keys=("labelingJobAlgorithmsConfig.labelingJobResourceConfig.volumeKmsKeyId",),
    output_key="outputConfig.kmsKeyId", compute="labelingJobAlgorithmsConfig")

# type -> (where the definitions live: "" for the resource itself, a path, or a path to a list), shape
SHAPES: dict[str, tuple[tuple[str, ...], JobShape]] = {
    TRAINING_JOB: (("",), _TRAINING),
    TUNING_JOB: (("trainingJobDefinition", "trainingJobDefinitions"), _TRAINING),
    LABELING_JOB: (("",), _LABELING),
    DATA_QUALITY_JOB: (("",), _MONITORING),
    MONITORING_SCHEDULE: (("monitoringScheduleConfig.monitoringJobDefinition",), _SCHEDULED),
}
JOB_TYPES = tuple(SHAPES)


def definitions(r: Resource) -> Iterator[tuple[str, Any, JobShape]]:
    """(label prefix, definition tree, shape) for every job definition the resource declares.

    Raises NeedsValue when a definition list or object is unknown (preview).
    """
    roots, shape = SHAPES.get(r.type, ((), None))
    if shape is None:
        return
    for root in roots:
        if root == "":
            yield "", r.props, shape
            continue
        value = r.get(root)
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield f"{root}[{index}].", item, shape
        elif value is not None:
            yield f"{root}.", value, shape


def types_with(attribute: str) -> tuple[str, ...]:
    return tuple(t for t, (_, shape) in SHAPES.items() if getattr(shape, attribute))


def known_strings(tree: Any, path: str) -> list[str]:
    """The string values at `path` (a scalar or a list); raises NeedsValue when unknown."""
    return [v for v in as_list(get(tree, path)) if isinstance(v, str)]
