"""`pulumi.runtime.Mocks` adapter over `MockCloud`, for programs run under `set_mocks`."""

from __future__ import annotations

import pulumi

from mlgov.cloud.core import ACCOUNT_ID, MockCloud


class CloudMocks(pulumi.runtime.Mocks):
    def __init__(self, preview: bool, region: str = "us-east-1", account: str = ACCOUNT_ID,
                 cloud: MockCloud | None = None):
        self.preview = preview
        self.cloud = cloud or MockCloud(region=region, account=account)
        self.region = self.cloud.region

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = dict(args.inputs)
        if args.resource_id:
            # Resource.get(name, id) (the SDK's mock reads leave `custom` False): an existing
            # resource's full state, also in preview.
            return args.resource_id, self.cloud.read(args.typ, args.name, args.resource_id, inputs)
        if not args.custom:
            return "", self.cloud.construct(args.typ, args.name, inputs, preview=self.preview)
        return self.cloud.create(args.typ, args.name, inputs, preview=self.preview)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return self.cloud.invoke(args.token, dict(args.args or {}))
