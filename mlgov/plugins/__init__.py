"""Plugins the real `pulumi` CLI launches when `mlgov check --engine pulumi` runs it offline.

- `aws_provider`: `pulumi-resource-aws`, a stand-in for AWS that answers from `mlgov.cloud` and never
  calls AWS;
- `python_language`: `pulumi-language-python`, a small Python language host that launches programs with
  the Pulumi SDK's own `pulumi-language-python-exec` and policy packs with `python -m pulumi.policy`,
  used when the CLI has no language host of its own (the Go module proxy does not serve pulumi's).

They are never installed as console scripts: `mlgov.engines.pulumi_cli` writes wrapper scripts into a
throwaway directory and puts it first on PATH for the CLI it runs, so a real `pulumi up` elsewhere can
never pick up the stand-in provider.
"""
