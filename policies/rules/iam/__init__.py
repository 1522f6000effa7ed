"""IAM rules, one module per concern, each small enough to read whole:

- role_trust: the trust policy of every role names its principals (not public, no other account, no
  unconfined service);
- admin_access: no administrator access, judged by effect with AWS managed policies expanded, per resource
  and through attachments of the stack's own policies;
- execution_roles: SageMaker execution-role trust, per role and for every role SageMaker resources run as;
- data_actions: dataset data actions granted only on named buckets and keys.

Grants reach a principal through many pulumi-aws 7 resources; every one that carries a policy
document or a managed-policy ARN is checked per resource, so a violation blocks before creation.
The resource types and document readers the modules share live beside them in `common`.
"""

from ml_dataset_governance.policies.rules.iam import admin_access, data_actions, execution_roles, role_trust
from ml_dataset_governance.policies.rules.iam.common import (  # noqa: F401 - the family's resource types
    ATTACHMENT_PROPS,
    DOCUMENT_TYPES,
    GROUP_ATTACHMENTS_EXCLUSIVE,
    GROUP_POLICY,
    GROUP_POLICY_ATTACHMENT,
    POLICY,
    POLICY_ATTACHMENT,
    ROLE,
    ROLE_ATTACHMENTS_EXCLUSIVE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    USER_ATTACHMENTS_EXCLUSIVE,
    USER_POLICY,
    USER_POLICY_ATTACHMENT,
)
from ml_dataset_governance.policies.rules.iam.execution_roles import (  # noqa: F401 - the types it correlates
    SAGEMAKER_DOMAIN,
    SAGEMAKER_MODEL,
    SAGEMAKER_NOTEBOOK,
    SAGEMAKER_PRINCIPAL,
    SAGEMAKER_USER_PROFILE,
)

RULES = role_trust.RULES + admin_access.RULES + execution_roles.RULES + data_actions.RULES
