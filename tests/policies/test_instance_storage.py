"""Which SageMaker instance types have local NVMe storage (and so take no volume KMS key)."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.instance_storage import has_local_nvme


@pytest.mark.parametrize("instance_type", ["ml.m5d.large", "ml.c5d.xlarge", "ml.r5d.2xlarge", "ml.g4dn.xlarge",
                                           "ml.p3dn.24xlarge", "ml.p4d.24xlarge", "ml.p4de.24xlarge", "ml.g5.xlarge",
                                           "ml.g6.xlarge", "ml.p5.48xlarge", "ml.trn1.32xlarge", "ml.m6id.large"])
def test_nvme_families(instance_type):
    assert has_local_nvme(instance_type)


@pytest.mark.parametrize("instance_type", ["ml.m5.large", "ml.c5.xlarge", "ml.p3.2xlarge", "ml.t3.medium",
                                           "ml.inf1.xlarge", "ml.inf2.xlarge", "ml.g4dn", "m5d.large", None, 3.0])
def test_ebs_families_and_junk(instance_type):
    assert not has_local_nvme(instance_type)
