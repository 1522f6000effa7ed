"""The SageMaker jobs family as a whole: a real ML workload program, compliant and weakened, in both modes."""

from __future__ import annotations

import pytest

from mlgov.testing import evaluate_program
from tests.policies.rules.sagemaker_jobs.sagemaker_jobs_helpers import (
    IMAGE,
    ROLE,
)

# --- real programs ---------------------------------------------------------------------------------

def _ml_program(isolated: bool, capture_bucket: str):
    def program() -> None:
        import pulumi
        import pulumi_aws as aws

        key = aws.kms.Key("ml-key", enable_key_rotation=True)
        datasets = aws.s3.Bucket("datasets", tags={"dataset": "clicks"})
        scratch = aws.s3.Bucket("scratch")
        target = datasets if capture_bucket == "datasets" else scratch
        aws.sagemaker.TrainingJob(
            "train", training_job_name="train", role_arn=ROLE, enable_network_isolation=isolated,
            enable_inter_container_traffic_encryption=True,
            vpc_config=aws.sagemaker.TrainingJobVpcConfigArgs(subnets=["subnet-1"], security_group_ids=["sg-1"]),
            algorithm_specification=aws.sagemaker.TrainingJobAlgorithmSpecificationArgs(training_image=IMAGE,
                                                                                          training_input_mode="File"),
            resource_config=aws.sagemaker.TrainingJobResourceConfigArgs(
                instance_type="ml.m5.xlarge", instance_count=1, volume_size_in_gb=30, volume_kms_key_id=key.arn),
            output_data_config=aws.sagemaker.TrainingJobOutputDataConfigArgs(
                s3_output_path=pulumi.Output.concat("s3://", datasets.bucket, "/models/"), kms_key_id=key.arn),
            stopping_condition=aws.sagemaker.TrainingJobStoppingConditionArgs(max_runtime_in_seconds=3600))
        aws.sagemaker.EndpointConfiguration(
            "serve", kms_key_arn=key.arn,
            production_variants=[aws.sagemaker.EndpointConfigurationProductionVariantArgs(
                model_name="m", instance_type="ml.m5.large", initial_instance_count=2)],
            data_capture_config=aws.sagemaker.EndpointConfigurationDataCaptureConfigArgs(
                initial_sampling_percentage=100, kms_key_id=key.arn, enable_capture=True,
                destination_s3_uri=pulumi.Output.concat("s3://", target.bucket, "/capture/"),
                capture_options=[aws.sagemaker.EndpointConfigurationDataCaptureConfigCaptureOptionArgs(
                    capture_mode="Input")]))

    return program


FAMILY = ("sagemaker-job-in-vpc", "sagemaker-job-network-isolated", "sagemaker-job-inter-container-encrypted",
          "sagemaker-job-volume-kms-encrypted", "sagemaker-job-output-kms-encrypted",
          "sagemaker-container-image-private-registry", "sagemaker-endpoint-config-capture-kms-encrypted",
          "sagemaker-data-stores-governed-buckets")


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_compliant_ml_workload_passes_in_both_modes(preview):
    result = evaluate_program(_ml_program(True, "datasets"), preview=preview)
    for rule in FAMILY:
        assert result.flagged(rule) == set(), rule
        assert result.unverifiable(rule) == set(), rule


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_real_program_weakened_ml_workload_is_blocked_in_both_modes(preview):
    result = evaluate_program(_ml_program(False, "scratch"), preview=preview)
    assert result.flagged("sagemaker-job-network-isolated") == {"train"}
    assert result.flagged("sagemaker-data-stores-governed-buckets") == {"serve"}
