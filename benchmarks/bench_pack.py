"""Pack cold start and per-resource analysis time, against a floor pack that has no rules of ours.

Run: .venv/bin/python benchmarks/bench_pack.py [--runs 5] [--resources 300]

The floor pack holds a single no-op policy (the SDK refuses an empty pack), so the difference is
what our rules cost: import of `policies`, building the policies, and the checks themselves.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from mlgov.analyzer import PackProcess
from mlgov.policy_config import reconcile
from mlgov.testing import resource

ROOT = Path(__file__).resolve().parents[1]
FLOOR_PACK = '''
from pulumi_policy import PolicyPack, ResourceValidationPolicy
PolicyPack(name="floor", policies=[ResourceValidationPolicy(name="noop", description="no-op",
                                                            validate=lambda args, report: None)])
'''


def sample_resources(count: int) -> list:
    kinds = [
        ("aws:s3/bucket:Bucket", {"bucket": "data", "tags": {"dataset": "d", "owner": "x"}}),
        ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
         {"bucket": "data", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
          "restrictPublicBuckets": True}),
        ("aws:kms/key:Key", {"enableKeyRotation": True, "deletionWindowInDays": 30.0,
                             "policy": '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"},'
                                       ' "Action": "kms:*", "Resource": "*"}]}'}),
        ("aws:sagemaker/domain:Domain", {"authMode": "IAM", "appNetworkAccessType": "VpcOnly", "kmsKeyId": "k",
                                         "defaultUserSettings": {"executionRole": "r", "sharingSettings": {
                                             "notebookOutputOption": "Disabled"}}}),
        ("aws:ec2/securityGroup:SecurityGroup", {"vpcId": "vpc-1", "ingress": [
            {"fromPort": 443.0, "toPort": 443.0, "protocol": "tcp", "cidrBlocks": ["10.0.0.0/16"]}]}),
        ("aws:iam/role:Role", {"assumeRolePolicy": '{"Statement": [{"Effect": "Allow", "Principal": {"Service": '
                                                   '"sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'}),
    ]
    return [resource(kinds[i % len(kinds)][0], f"r{i}", kinds[i % len(kinds)][1]) for i in range(count)]


def measure(pack_dir: Path, runs: int, resources: list) -> dict[str, float]:
    starts, per_resource, stack = [], [], []
    for _ in range(runs):
        with PackProcess(pack_dir, project="bench", stack="dev", preview=False) as pack:
            starts.append(pack.startup_seconds)
            pack.configure(reconcile(pack.info()))
            t0 = time.perf_counter()
            for r in resources:
                pack.analyze(r)
            per_resource.append((time.perf_counter() - t0) / len(resources))
            t0 = time.perf_counter()
            pack.analyze_stack(resources)
            stack.append(time.perf_counter() - t0)
    return {"start_s": statistics.median(starts), "analyze_ms": statistics.median(per_resource) * 1000,
            "stack_s": statistics.median(stack)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resources", type=int, default=300)
    args = parser.parse_args()
    resources = sample_resources(args.resources)
    with tempfile.TemporaryDirectory() as tmp:
        floor = Path(tmp)
        (floor / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
        (floor / "__main__.py").write_text(FLOOR_PACK)
        base = measure(floor, args.runs, resources)
    ours = measure(ROOT, args.runs, resources)
    print(f"{'pack':<24}{'cold start (s)':>16}{'Analyze (ms/res)':>18}{'AnalyzeStack (s)':>18}")
    for name, m in (("floor (1 no-op policy)", base), ("ml-dataset-governance", ours)):
        print(f"{name:<24}{m['start_s']:>16.3f}{m['analyze_ms']:>18.3f}{m['stack_s']:>18.3f}")
    print(f"ratio ours/floor: start {ours['start_s'] / base['start_s']:.2f}x, "
          f"Analyze {ours['analyze_ms'] / base['analyze_ms']:.2f}x, "
          f"AnalyzeStack {ours['stack_s'] / max(base['stack_s'], 1e-9):.2f}x ({len(resources)} resources)")


if __name__ == "__main__":
    main()
