"""sagemaker_jobs.images through the engine path: private registries, unknown images noted."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.sagemaker_shapes import MODEL

from mlgov.testing import UNKNOWN
from tests.policies.rules.sagemaker_jobs.sagemaker_jobs_helpers import (
    IMAGE,
    ROLE,
    edit,
    flags,
)

# --- images ----------------------------------------------------------------------------------------

MODEL_INPUTS = {"executionRoleArn": ROLE, "enableNetworkIsolation": True, "primaryContainer": {"image": IMAGE}}


@pytest.mark.parametrize(("inputs", "config", "flagged"), [
    (MODEL_INPUTS, None, set()),
    (edit(MODEL_INPUTS, "primaryContainer.image", "nginx:latest"), None, {"r"}),
    (edit(MODEL_INPUTS, "primaryContainer", {"modelPackageName": "arn:aws:sagemaker:::model-package/x"}), None,
     set()),
    (MODEL_INPUTS, {"allowedImageAccounts": ["210987654321"]}, {"r"}),
    (MODEL_INPUTS, {"allowedImageAccounts": ["123456789012"]}, set()),
    (edit(MODEL_INPUTS, "primaryContainer.image", "registry.corp.internal/m:1"), {"allowedRegistries":
                                                                                 ["registry.corp.internal"]}, set()),
    ({**MODEL_INPUTS, "containers": [{"image": IMAGE}, {"image": "ghcr.io/x/y:1"}]}, None, {"r"}),
])
def test_model_images(inputs, config, flagged):
    cfg = {"sagemaker-container-image-private-registry": config} if config else None
    assert flags(MODEL, inputs, "sagemaker-container-image-private-registry", config=cfg)[0] == flagged


def test_unknown_image_is_noted_not_passed():
    inputs = edit(MODEL_INPUTS, "primaryContainer.image", UNKNOWN)
    assert flags(MODEL, inputs, "sagemaker-container-image-private-registry") == (set(), {"r"})
