"""The catalog is validated when read: every invalid entry is refused with a message naming it (pure, no Pulumi)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ml_dataset_governance.infra.catalog import (
    CLASSIFICATIONS,
    DEFAULT_VPC_CIDR,
    Catalog,
    CatalogError,
    access_matrix,
    bucket_name,
    max_classification,
    parse_catalog,
    parse_settings,
)
from ml_dataset_governance.infra.report import exportable_matrix, format_access_matrix
from ml_dataset_governance.infra.tags import REQUIRED_TAG_KEYS, dataset_tags, platform_tags, team_tags

VALID: dict[str, Any] = {
    "platformOwner": "ml-platform",
    "teams": [
        {"name": "data-engineering", "description": "pipelines", "members": ["dana"]},
        {"name": "data-science", "description": "models", "members": ["sam", "noor"], "runsJobs": True},
        {"name": "ml-platform"},
        {"name": "audit"},
    ],
    "datasets": [
        {"name": "raw-events", "classification": "internal", "owner": "data-engineering",
         "readers": ["data-science"], "retentionDays": 30},
        {"name": "features", "classification": "confidential", "owner": "data-engineering",
         "readers": ["audit"], "writers": ["data-science", "data-engineering"], "retentionDays": 90},
        {"name": "ledger", "classification": "restricted", "owner": "ml-platform", "readers": ["audit"],
         "retentionDays": 365, "immutable": True},
    ],
}


def mutated(path: tuple[Any, ...], value: Any, *, delete: bool = False) -> dict[str, Any]:
    obj = copy.deepcopy(VALID)
    target = obj
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return obj


def test_valid_catalog_parses_to_frozen_typed_records() -> None:
    catalog = parse_catalog(VALID)
    assert [t.name for t in catalog.teams] == ["data-engineering", "data-science", "ml-platform", "audit"]
    assert catalog.team("data-science").members == ("sam", "noor") and catalog.team("data-science").runs_jobs
    assert catalog.team("audit").members == () and not catalog.team("audit").runs_jobs
    assert catalog.members == {"dana": "data-engineering", "sam": "data-science", "noor": "data-science"}
    ledger = catalog.dataset("ledger")
    assert (ledger.classification, ledger.owner, ledger.readers, ledger.writers) == (
        "restricted", "ml-platform", ("audit",), ())
    assert ledger.retention_days == 365 and ledger.immutable is True
    assert catalog.dataset("raw-events").immutable is False
    # The owner is implicitly a writer, so listing it among writers is not duplicated.
    assert catalog.dataset("features").writers == ("data-science",)
    with pytest.raises(AttributeError):
        ledger.owner = "audit"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("datasets", 0, "owner"), "nobody", "dataset 'raw-events': owner names unknown team 'nobody'"),
        (("datasets", 0, "readers"), ["nobody"], "dataset 'raw-events': readers names unknown team 'nobody'"),
        (("datasets", 1, "writers"), ["ghosts"], "dataset 'features': writers names unknown team 'ghosts'"),
        (("datasets", 0, "classification"), "public", "dataset 'raw-events': classification 'public' is invalid"),
        (("datasets", 0, "classification"), "Internal", "classification 'Internal' is invalid"),
        (("datasets", 0, "name"), "Raw_Events", "dataset 'Raw_Events': name must be a valid S3 bucket name part"),
        (("datasets", 0, "name"), "raw--events", "dataset 'raw--events': name must be a valid S3 bucket name part"),
        (("datasets", 0, "name"), "ab", "dataset 'ab': name must be"),
        (("datasets", 0, "name"), "-raw", "dataset '-raw': name must be"),
        (("datasets", 0, "name"), "xn--raw", "dataset 'xn--raw': name must be"),
        (("datasets", 0, "name"), "audit-logs", "reserved for the audit bucket"),
        (("datasets", 0, "name"), "features", "dataset 'features': duplicate dataset name"),
        (("datasets", 0, "retentionDays"), 0, "dataset 'raw-events': retentionDays must be an integer"),
        (("datasets", 0, "retentionDays"), True, "retentionDays must be an integer"),
        (("datasets", 0, "retentionDays"), "30", "retentionDays must be an integer"),
        (("datasets", 0, "immutable"), "yes", "dataset 'raw-events': immutable must be true or false"),
        (("datasets", 0, "readers"), ["data-science", "data-science"], "lists team 'data-science' twice"),
        (("datasets", 0, "readers"), "data-science", "dataset 'raw-events': readers must be a list"),
        (("datasets", 0, "readers"), ["data-engineering"], "owner 'data-engineering' is listed as a reader"),
        (("datasets", 1, "readers"), ["data-science"], "data-science listed as both reader and writer"),
        (("datasets", 0, "encrypted"), False, "dataset 'raw-events': unknown key(s) encrypted"),
        (("teams", 1, "name"), "data-engineering", "team 'data-engineering': duplicate team name"),
        (("teams", 1, "name"), "Data Science", "team 'Data Science': name must be"),
        (("teams", 1, "role"), "admin", "team 'data-science': unknown key(s) role"),
        (("teams", 1, "members"), "sam", "team 'data-science': members must be a list"),
        (("teams", 1, "members"), ["Sam"], "team 'data-science': member 'Sam' must be"),
        (("teams", 1, "members"), ["s"], "member 's' must be"),
        (("teams", 1, "members"), ["sam", "sam"], "team 'data-science': member 'sam' is listed twice"),
        (("teams", 1, "members"), ["dana"], "team 'data-science': member 'dana' already belongs to team "
                                            "'data-engineering'"),
        (("teams", 1, "runsJobs"), "yes", "team 'data-science': runsJobs must be true or false"),
        (("teams",), [], "at least one team is required"),
        (("datasets",), [], "at least one dataset is required"),
        (("platformOwner",), "platform", "platformOwner names unknown team 'platform'"),
        (("extra",), 1, "catalog: unknown key(s) extra"),
    ],
)
def test_invalid_catalog_is_refused_naming_the_entry(path: tuple[Any, ...], value: Any, message: str) -> None:
    with pytest.raises(CatalogError, match=None) as excinfo:
        parse_catalog(mutated(path, value))
    assert message in str(excinfo.value)


@pytest.mark.parametrize("key", ["name", "classification", "owner", "retentionDays"])
def test_required_dataset_fields(key: str) -> None:
    with pytest.raises(CatalogError, match="dataset"):
        parse_catalog(mutated(("datasets", 2, key), None, delete=True))


@pytest.mark.parametrize("obj", [None, [], "catalog", {"teams": "a", "datasets": []}, {"teams": [1], "datasets": []}])
def test_malformed_catalog_is_refused(obj: Any) -> None:
    with pytest.raises(CatalogError):
        parse_catalog(obj)


def test_settings_validate_admin_roles_boundary_and_cidr() -> None:
    ok = parse_settings(VALID, ["arn:aws:iam::123456789012:role/admin"], "arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert ok.admin_role_arns == ("arn:aws:iam::123456789012:role/admin",)
    assert ok.vpc_cidr == DEFAULT_VPC_CIDR
    for arns, message in [
        (["arn:aws:iam::*:role/admin"], "not an IAM role ARN"),
        (["arn:aws:iam::123456789012:user/bob"], "not an IAM role ARN"),
        ("arn:aws:iam::123456789012:role/admin", "must be a list"),
        (["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/a"], "duplicate role ARN"),
    ]:
        with pytest.raises(CatalogError, match=message):
            parse_settings(VALID, arns)
    with pytest.raises(CatalogError, match="permissionsBoundaryArn"):
        parse_settings(VALID, None, "arn:aws:iam::123456789012:role/not-a-policy")
    for cidr in ["8.8.0.0/16", "10.0.0.0/8", "10.0.0.0/28", "fd00::/64", "nonsense"]:
        with pytest.raises(CatalogError, match="vpcCidr"):
            parse_settings(VALID, vpc_cidr=cidr)
    assert parse_settings(VALID, vpc_cidr="172.16.0.0/20").vpc_cidr == "172.16.0.0/20"


def test_settings_validate_studio_networks_organization_and_lock_mode() -> None:
    defaults = parse_settings(VALID)
    assert (defaults.studio_access_cidrs, defaults.organization_id, defaults.audit_object_lock_mode) == (
        (), None, "GOVERNANCE")
    ok = parse_settings(VALID, studio_access_cidrs=["198.51.100.0/24", "2001:db8::/48"], organization_id="o-a1b2c3d4e5",
                        audit_object_lock_mode="COMPLIANCE")
    assert ok.studio_access_cidrs == ("198.51.100.0/24", "2001:db8::/48")
    assert (ok.organization_id, ok.audit_object_lock_mode) == ("o-a1b2c3d4e5", "COMPLIANCE")
    for cidrs in [["0.0.0.0/0"], ["::/0"], ["10.0.0.0/7"], ["nonsense"], "198.51.100.0/24",
                  ["198.51.100.0/24", "198.51.100.0/24"], [24]]:
        with pytest.raises(CatalogError, match="studioAccessCidrs"):
            parse_settings(VALID, studio_access_cidrs=cidrs)
    for org in ["o-short", "123456789012", "O-A1B2C3D4E5", 5]:
        with pytest.raises(CatalogError, match="organizationId"):
            parse_settings(VALID, organization_id=org)
    for mode in ["governance", "LEGAL_HOLD", ""]:
        with pytest.raises(CatalogError, match="auditObjectLockMode"):
            parse_settings(VALID, audit_object_lock_mode=mode)


def test_bucket_names_are_lowercase_and_length_checked() -> None:
    assert bucket_name("ml-dataset-governance", "dev", "raw-events") == "ml-dataset-governance-dev-raw-events"
    assert bucket_name("Proj", "Dev", "x1y") == "proj-dev-x1y"
    with pytest.raises(CatalogError, match="not a valid S3 bucket name"):
        bucket_name("ml-dataset-governance", "a-very-long-stack-name", "a-dataset-name-that-is-long")


def test_access_matrix_owner_and_writers_write_readers_read_others_nothing() -> None:
    matrix = access_matrix(parse_catalog(VALID))
    assert matrix == {
        "data-engineering": {"raw-events": "write", "features": "write", "ledger": None},
        "data-science": {"raw-events": "read", "features": "write", "ledger": None},
        "ml-platform": {"raw-events": None, "features": None, "ledger": "write"},
        "audit": {"raw-events": None, "features": "read", "ledger": "read"},
    }
    assert exportable_matrix(matrix)["audit"] == {"raw-events": "none", "features": "read", "ledger": "read"}


def test_access_matrix_table() -> None:
    table = format_access_matrix(parse_catalog(VALID)).splitlines()
    assert table[0].split() == ["team", "raw-events", "features", "ledger"]
    assert table[2].split() == ["data-engineering", "write", "write", "-"]
    assert table[5].split() == ["audit", "-", "read", "read"]


def test_tags_carry_classification_and_owner() -> None:
    catalog = parse_catalog(VALID)
    for tags in [dataset_tags("p", catalog.dataset("ledger")), platform_tags("p", catalog),
                 team_tags("p", catalog, "audit")]:
        assert set(REQUIRED_TAG_KEYS) <= set(tags)
        assert tags["classification"] in CLASSIFICATIONS and tags["project"] == "p"
    assert dataset_tags("p", catalog.dataset("ledger"))["owner"] == "ml-platform"
    assert platform_tags("p", catalog)["classification"] == "restricted"
    assert team_tags("p", catalog, "data-science")["classification"] == "confidential"


# -- properties over arbitrary valid catalogs ------------------------------------------------------------------------
TEAM_NAMES = ["team-a", "team-b", "team-c", "team-d"]


@st.composite
def catalogs(draw: st.DrawFn) -> dict[str, Any]:
    teams = draw(st.lists(st.sampled_from(TEAM_NAMES), min_size=1, unique=True))
    datasets = []
    for i in range(draw(st.integers(1, 4))):
        owner = draw(st.sampled_from(teams))
        others = [t for t in teams if t != owner]
        roles = draw(st.lists(st.sampled_from(["reader", "writer", None]), min_size=len(others),
                              max_size=len(others)))
        datasets.append({
            "name": f"dataset-{i}",
            "classification": draw(st.sampled_from(CLASSIFICATIONS)),
            "owner": owner,
            "readers": [t for t, r in zip(others, roles, strict=True) if r == "reader"],
            "writers": [t for t, r in zip(others, roles, strict=True) if r == "writer"],
            "retentionDays": draw(st.integers(1, 36500)),
            "immutable": draw(st.booleans()),
        })
    return {"teams": [{"name": t} for t in teams], "datasets": datasets}


@settings(max_examples=60, deadline=None)
@given(catalogs())
def test_access_matrix_is_exactly_the_catalog(obj: dict[str, Any]) -> None:
    catalog: Catalog = parse_catalog(obj)
    matrix = access_matrix(catalog)
    assert set(matrix) == {t["name"] for t in obj["teams"]}
    for entry in obj["datasets"]:
        for team in matrix:
            expected = ("write" if team == entry["owner"] or team in entry["writers"]
                        else "read" if team in entry["readers"] else None)
            assert matrix[team][entry["name"]] == expected
    assert max_classification(catalog) == max((d["classification"] for d in obj["datasets"]),
                                              key=CLASSIFICATIONS.index)


def test_report_cli_prints_the_bundled_stack_matrix(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    from pathlib import Path

    from ml_dataset_governance.infra.report import main

    assert main([str(Path(__file__).resolve().parents[2] / "Pulumi.dev.yaml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "team" and len(lines) >= 5
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  ml-dataset-governance:catalog: {teams: [], datasets: []}\n")
    assert main([str(bad)]) == 2
    assert "at least one team" in capsys.readouterr().out
