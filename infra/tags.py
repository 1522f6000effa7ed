"""Governance tags: the one place that decides which tags every taggable resource carries."""

from __future__ import annotations

from ml_dataset_governance.infra.catalog import CLASSIFICATIONS, Catalog, Dataset, max_classification

TAG_CLASSIFICATION = "classification"
TAG_OWNER = "owner"
TAG_PROJECT = "project"
TAG_MANAGED_BY = "managed-by"
REQUIRED_TAG_KEYS: tuple[str, ...] = (TAG_CLASSIFICATION, TAG_OWNER, TAG_PROJECT, TAG_MANAGED_BY)
MANAGED_BY = "pulumi"
# Owner of shared platform resources when the catalog names no platformOwner.
DEFAULT_PLATFORM_OWNER = "platform"


def governance_tags(*, project: str, classification: str, owner: str, **extra: str) -> dict[str, str]:
    """The required governance tags, plus any extra (never overriding the required ones)."""
    tags = dict(extra)
    tags.update({
        TAG_CLASSIFICATION: classification,
        TAG_OWNER: owner,
        TAG_PROJECT: project,
        TAG_MANAGED_BY: MANAGED_BY,
    })
    return tags


def with_name(tags: dict[str, str], name: str) -> dict[str, str]:
    """The same tags plus a console-friendly Name tag."""
    return {**tags, "Name": name}


TAG_DATASET = "dataset"  # marks dataset buckets for the pack's dataset rules (policies/datasets.py)
TAG_IMMUTABLE = "immutable"  # marks datasets whose buckets must carry Object Lock
TAG_PERSON = "person"  # the catalog member a user profile or persona role belongs to


def dataset_tags(project: str, dataset: Dataset) -> dict[str, str]:
    extra = {TAG_DATASET: dataset.name}
    if dataset.immutable:
        extra[TAG_IMMUTABLE] = "true"
    return governance_tags(project=project, classification=dataset.classification, owner=dataset.owner, **extra)


def platform_tags(project: str, catalog: Catalog) -> dict[str, str]:
    """Shared resources (network, audit, Studio) serve every dataset: they carry the highest classification."""
    return governance_tags(project=project, classification=max_classification(catalog),
                           owner=catalog.platform_owner or DEFAULT_PLATFORM_OWNER)


def team_tags(project: str, catalog: Catalog, team: str) -> dict[str, str]:
    """A team's resources carry the highest classification of the data the team can reach."""
    reachable = [d.classification for d in catalog.datasets if d.access_for(team) is not None]
    classification = max(reachable, key=CLASSIFICATIONS.index) if reachable else CLASSIFICATIONS[0]
    return governance_tags(project=project, classification=classification, owner=team, team=team)
