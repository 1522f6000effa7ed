"""SageMaker instance types with local NVMe instance storage, which cannot take a volume KMS key.

AWS: "Certain Nitro-based instances include local storage ... encrypted using a hardware module on
the instance. You can't request a VolumeKmsKeyId when using an instance type with local storage"
(SageMaker API reference, ResourceConfig.VolumeKmsKeyId, ProcessingClusterConfig, CreateEndpointConfig
KmsKeyId: "If you specify a value for KmsKeyId when using any nitro-based instances with local storage,
the call to CreateEndpointConfig fails"). ResourceConfig.VolumeSizeInGB names ml.p4d, ml.g4dn and ml.g5
as NVMe families; the rest follow the EC2 instance-store table: a `d` after the generation (m5d, c5d,
r5d, g4dn, p3dn, p4d, p4de, m6id, c6id, r6id, m7gd...) or a family that always has NVMe (g5, g6, g6e,
p5, p5e, p5en, trn1, trn1n, trn2). Inferentia (ml.inf1, ml.inf2) and ml.t/m5/c5/p2/p3 are EBS-only and
do take a key.
"""

from __future__ import annotations

import re

_D_FAMILY = re.compile(r"^ml\.[a-z]+\d+[a-z]*d[a-z]*\.")
_NVME_FAMILIES = frozenset({"g5", "g6", "g6e", "p5", "p5e", "p5en", "trn1", "trn1n", "trn2"})


def has_local_nvme(instance_type: object) -> bool:
    """True for `ml.*` instance types whose storage is local NVMe (no volume KMS key possible)."""
    if not isinstance(instance_type, str) or not instance_type.startswith("ml."):
        return False
    if _D_FAMILY.match(instance_type):
        return True
    family = instance_type.split(".")[1] if instance_type.count(".") >= 2 else ""
    return family in _NVME_FAMILIES
