"""Entry point of the policy pack: `pulumi preview --policy-pack .` runs this file.

It only builds the pack; the rules live in `policies/` and stay importable without a server.
"""

from ml_dataset_governance.policies.pack import serve

serve()
