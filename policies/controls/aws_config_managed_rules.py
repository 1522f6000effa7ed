"""AWS Config managed rules that bear on ML datasets, by identifier (AWS Config developer guide, "List of AWS
Config Managed Rules").

Most back a Security Hub control (the `config_rule` of each control in securityhub_fsbp_1_0_0): those are
derived from it, with the same covering rules and reasons, so the two tables never disagree. The others are
listed here with what they check.
"""

from __future__ import annotations

from ml_dataset_governance.policies.controls import Catalog, Control, coverage
from ml_dataset_governance.policies.controls import securityhub_fsbp_1_0_0 as fsbp

# Managed rules that back no Security Hub control listed there.
OTHERS = (
    Control("sagemaker-domain-in-vpc", "SageMaker domains use VPC-only network access"),
    Control("sagemaker-endpoint-configuration-kms-key-configured", "Endpoint configurations have a KMS key"),
    Control("sagemaker-notebook-instance-kms-key-configured", "Notebook instances have a KMS key"),
    Control("s3-access-point-in-vpc-only", "S3 access points accept requests from a VPC only"),
    Control("cloudtrail-s3-dataevents-enabled", "A trail records S3 data events"),
    Control("no-unrestricted-route-to-igw", "Route tables have no unrestricted route to an internet gateway"),
    Control("service-vpc-endpoint-enabled", "A VPC endpoint exists for the service"),
    Control("required-tags", "Resources carry the required tags"),
)


def catalog() -> Catalog:
    from ml_dataset_governance.policies.catalog import all_rules

    rows = coverage(fsbp.CATALOG, all_rules())
    derived: dict[str, Control] = {}
    for row in rows:
        control = row.control
        if not control.config_rule:
            continue
        earlier = derived.get(control.config_rule)
        rules = tuple(dict.fromkeys([*(earlier.rules if earlier else ()), *row.rules]))
        derived[control.config_rule] = Control(
            control.config_rule, f"Backs Security Hub {control.id}: {control.title}", rules=rules,
            why=None if rules else control.why, note=control.note)
    return Catalog(
        framework="AWS Config",
        version="managed-rule",
        title="AWS Config managed rules",
        source="AWS Config developer guide, managed rules (https://docs.aws.amazon.com/config/latest/developerguide/)",
        scope="The rules behind the Security Hub controls above, and the others this pack maps to.",
        controls=(*derived.values(), *(c for c in OTHERS if c.id not in derived)),
    )
