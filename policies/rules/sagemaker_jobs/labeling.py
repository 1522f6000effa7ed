"""Labeling and human review: private workforces only, and flow-definition output under a customer key."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.frameworks import NIST
from ml_dataset_governance.policies.model import Resource, Rule
from ml_dataset_governance.policies.sagemaker_shapes import (
    FLOW_DEFINITION,
    LABELING_JOB,
)
from ml_dataset_governance.policies.values import present

# --- labeling and human review -------------------------------------------------------------------

PUBLIC_WORKFORCE = re.compile(r":workteam/public-crowd/|:aws-marketplace:workteam/|:workteam/vendor/")


def _workteam(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    path = "humanTaskConfig.workteamArn" if r.type == LABELING_JOB else "humanLoopConfig.workteamArn"
    arn = r.get(path)
    if isinstance(arn, str) and PUBLIC_WORKFORCE.search(arn):
        kind = "the public Mechanical Turk workforce" if "public-crowd" in arn else "a marketplace vendor workforce"
        yield f"{path} is {kind}; expected a private workteam of your own workforce."


SAGEMAKER_WORKFORCE_PRIVATE = Rule(
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
)


def _flow_output_key(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if not present(r.props, "outputConfig.kmsKeyId"):
        yield "outputConfig.kmsKeyId is not set; expected a customer-managed KMS key for human-review output."


SAGEMAKER_FLOW_DEFINITION_OUTPUT_KMS_ENCRYPTED = Rule(
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
)


RULES = (SAGEMAKER_WORKFORCE_PRIVATE, SAGEMAKER_FLOW_DEFINITION_OUTPUT_KMS_ENCRYPTED)
