"""sagemaker_jobs.labeling through the engine path: public and vendor workforces, flow-definition keys."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.sagemaker_shapes import (
    FLOW_DEFINITION,
    LABELING_JOB,
)

from mlgov.testing import evaluate, resource
from tests.policies.rules.sagemaker_jobs.sagemaker_jobs_helpers import (
    KEY,
    LABELING,
    ROLE,
    edit,
    flags,
)

# --- workforces and human review -------------------------------------------------------------------

FLOW = {"roleArn": ROLE, "flowDefinitionName": "review",
        "humanLoopConfig": {"workteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team",
                            "humanTaskUiArn": "arn:ui", "taskCount": 1.0, "taskDescription": "d", "taskTitle": "t"},
        "outputConfig": {"s3OutputPath": "s3://datasets/reviews/", "kmsKeyId": KEY}}


@pytest.mark.parametrize("arn", ["arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default",
                                 "arn:aws:sagemaker:us-east-1:aws-marketplace:workteam/vendor/abc"])
def test_public_and_vendor_workforces_are_blocked(arn):
    assert flags(LABELING_JOB, edit(LABELING, "humanTaskConfig.workteamArn", arn),
                  "sagemaker-workforce-private")[0] == {"r"}
    assert flags(FLOW_DEFINITION, edit(FLOW, "humanLoopConfig.workteamArn", arn),
                  "sagemaker-workforce-private")[0] == {"r"}


def test_flow_definition_golden_and_missing_key():
    assert evaluate([resource(FLOW_DEFINITION, "r", FLOW)]).diagnostics == []
    assert flags(FLOW_DEFINITION, edit(FLOW, "outputConfig.kmsKeyId", None),
                  "sagemaker-flow-definition-output-kms-encrypted") == ({"r"}, set())
