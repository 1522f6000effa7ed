"""Container images of SageMaker models and jobs come from a private ECR registry."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies.frameworks import AWS_CONFIG, FSBP, NIST
from ml_dataset_governance.policies.model import Resource, Rule
from ml_dataset_governance.policies.sagemaker_shapes import (
    MODEL,
    definitions,
    types_with,
)
from ml_dataset_governance.policies.values import as_list, get

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


SAGEMAKER_CONTAINER_IMAGE_PRIVATE_REGISTRY = Rule(
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
)


RULES = (SAGEMAKER_CONTAINER_IMAGE_PRIVATE_REGISTRY,)
