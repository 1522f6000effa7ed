"""An offline stand-in for AWS: answers resource creation and data sources like the provider would.

`MockCloud` is the core (no dependency on `pulumi.runtime.Mocks`): both the gate's program runner
(through `CloudMocks`) and an offline `pulumi-resource-aws` provider serve it. It never calls AWS.
"""

from mlgov.cloud.core import ACCOUNT_ID, MockCloud
from mlgov.cloud.data_sources import policy_document
from mlgov.cloud.mocks import CloudMocks

__all__ = ["ACCOUNT_ID", "CloudMocks", "MockCloud", "policy_document"]
