"""An offline stand-in for AWS: answers resource creation and data sources like the provider would.

It never calls AWS. `MockCloud` is the core, with no dependency on `pulumi.runtime.Mocks`, so the
gate's program runner (through `CloudMocks`) and an offline `pulumi-resource-aws` provider serve
the same answers. All values are engine-shaped (camelCase keys, plain JSON values):

- `create(type_token, name, inputs, preview) -> (id, outputs)`: in preview `("", inputs)`; in update
  the inputs, every computed output (`computed_outputs`) and realistic ids/ARNs/names.
- `update(type_token, name, id, olds, news, preview) -> outputs`, keeping the id.
- `read(type_token, name, id, state) -> outputs` for `Resource.get`, refresh and import (full, in any mode);
  a `pulumi.StackReference` reads `MockCloud(stack_outputs={"org/proj/stack": {...}})`, else exports nothing.
- `construct(type_token, name, inputs, preview) -> outputs`: a provider-built (`remote=True`) component,
  e.g. awsx `Vpc`; `{}` for a component with no SDK class (the program computes its outputs).
- `computed_outputs(type_token) -> names`: what a preview must mark unknown.
- `invoke(token, args) -> result`: a data source, fully known in both modes, never an exception.
"""

from mlgov.cloud.core import ACCOUNT_ID, MockCloud
from mlgov.cloud.data_sources import policy_document
from mlgov.cloud.mocks import CloudMocks

__all__ = ["ACCOUNT_ID", "CloudMocks", "MockCloud", "policy_document"]
