"""S3 rules, one module per concern, each small enough to read whole:

- public_access: public access blocks (bucket and account), ACLs and grants, ownership controls;
- bucket_policy: bucket policies not public; dataset buckets TLS-only and VPC-endpoint-only;
- encryption: SSE-KMS with a customer key, on each configuration and for every bucket;
- data_protection: dataset versioning, noncurrent-version lifecycle, Object Lock.

A package rather than four `s3_*` modules: the family keeps one import name (`rules.s3`), and
the types and correlation helpers its modules share live beside them in `common`.
"""

from ml_dataset_governance.policies.rules.s3 import bucket_policy, data_protection, encryption, public_access
from ml_dataset_governance.policies.rules.s3.common import (  # noqa: F401 - the family's resource types
    ACCOUNT_PUBLIC_ACCESS_BLOCK,
    ACL_TYPES,
    BUCKET,
    BUCKET_POLICY,
    BUCKET_V2,
    LIFECYCLE_TYPES,
    OBJECT_LOCK_TYPES,
    OWNERSHIP_CONTROLS,
    PUBLIC_ACCESS_BLOCK,
    SSE_TYPES,
    VERSIONING_TYPES,
)

RULES = public_access.RULES + bucket_policy.RULES + encryption.RULES + data_protection.RULES
