"""The pack against floor packs, side by side in one run, as real pack processes over gRPC.

Run: .venv/bin/python benchmarks/bench_pack.py [--runs 5] [--sizes 1000,2000,5000,10000]

- Analyze: p50 per resource over a realistic mix, against a one-rule floor pack (the SDK's own
  servicer with one no-op resource policy: what any Python pack pays per request).
- AnalyzeStack: synthetic stacks of 1,000 to 10,000 resources (dataset buckets with their settings
  resources linked by `bucket` property dependencies, roles, role policies, security groups),
  against a one-stack-rule floor pack (the SDK deserializing every resource once for one no-op
  stack policy), with the growth from each size to the next.
- Cold start: launch to the port line, median.

Requests are built once before timing, so the figures are the pack's side of each RPC. Not run
by the tests (the suite never runs benchmarks).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from mlgov.analyzer import PackProcess
from mlgov.policy_config import reconcile
from mlgov.testing import resource

ROOT = Path(__file__).resolve().parents[1]
RESOURCE_FLOOR = '''
from pulumi_policy import PolicyPack, ResourceValidationPolicy
PolicyPack(name="floor", policies=[ResourceValidationPolicy(name="noop", description="no-op",
                                                            validate=lambda args, report: None)])
'''
STACK_FLOOR = '''
from pulumi_policy import PolicyPack, StackValidationPolicy
PolicyPack(name="floor-stack", policies=[StackValidationPolicy(name="noop", description="no-op",
                                                               validate=lambda args, report: None)])
'''
TAGS = {"owner": "team", "project": "ml", "classification": "internal"}
TRUST = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                   "Action": "sts:AssumeRole"}]})
S3 = "aws:s3/"


def _bucket_unit(i: int) -> list[Any]:
    """A dataset bucket and its six settings resources, linked as pulumi-aws 7 programs link them."""
    name = f"data-{i}"
    bucket = resource(f"{S3}bucket:Bucket", name, {"bucket": name, "arn": f"arn:aws:s3:::{name}", "id": name,
                                                   "tags": {"dataset": name, "owner": "team", "project": "ml",
                                                            "classification": "internal"}}, protect=True)
    deny = json.dumps({"Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{name}"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{name}"],
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}]})
    settings = [
        ("bucketPublicAccessBlock:BucketPublicAccessBlock", {"blockPublicAcls": True, "blockPublicPolicy": True,
                                                             "ignorePublicAcls": True, "restrictPublicBuckets": True}),
        ("bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {"rules": [
            {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "arn:k"},
             "bucketKeyEnabled": True}]}),
        ("bucketVersioning:BucketVersioning", {"versioningConfiguration": {"status": "Enabled"}}),
        ("bucketOwnershipControls:BucketOwnershipControls", {"rule": {"objectOwnership": "BucketOwnerEnforced"}}),
        ("bucketPolicy:BucketPolicy", {"policy": deny}),
        ("bucketLifecycleConfiguration:BucketLifecycleConfiguration", {"rules": [
            {"id": "nc", "status": "Enabled", "filter": {}, "noncurrentVersionExpiration": {"noncurrentDays": 90.0}}]}),
    ]
    out = [bucket]
    for token, props in settings:
        kind = token.split(":")[1]
        out.append(resource(f"{S3}{token}", f"{name}-{kind}", {"bucket": name, **props},
                            property_dependencies={"bucket": [bucket.urn]}))
    return out


def _access_unit(i: int) -> list[Any]:
    role = resource("aws:iam/role:Role", f"role-{i}", {"assumeRolePolicy": TRUST, "arn": f"arn:aws:iam::1:role/r{i}",
                                                       "name": f"r{i}", "tags": TAGS})
    policy = resource("aws:iam/rolePolicy:RolePolicy", f"role-{i}-data", {
        "role": f"r{i}", "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                              "Resource": f"arn:aws:s3:::data-{i}/*"}]})},
        property_dependencies={"role": [role.urn]})
    sg = resource("aws:ec2/securityGroup:SecurityGroup", f"sg-{i}", {"vpcId": "vpc-1", "tags": TAGS, "ingress": [
        {"fromPort": 443.0, "toPort": 443.0, "protocol": "tcp", "cidrBlocks": ["10.0.0.0/16"]}]})
    return [role, policy, sg]


def synthetic_stack(size: int) -> list[Any]:
    """`size` resources, ten per unit: a bucket with six settings, a role, its policy and a security group."""
    trail = resource("aws:cloudtrail/trail:Trail", "audit", {
        "isMultiRegionTrail": True, "enableLogFileValidation": True, "enableLogging": True, "kmsKeyId": "arn:k",
        "tags": TAGS, "eventSelectors": [{"readWriteType": "All", "dataResources": [
            {"type": "AWS::S3::Object", "values": ["arn:aws:s3:::"]}]}]})
    out: list[Any] = [resource("pulumi:pulumi:Stack", "bench-dev", {}), trail]
    i = 0
    while len(out) < size:
        out.extend(_bucket_unit(i) + _access_unit(i))
        i += 1
    return out[:size]


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s


def analyze_requests(resources: list[Any]) -> list[Any]:
    return [pb.AnalyzeRequest(type=r.type, urn=r.urn, name=r.name, properties=_struct(r.inputs),
                              options=pb.AnalyzerResourceOptions(protect=r.protect, parent=""))
            for r in resources]


def stack_request(resources: list[Any]) -> Any:
    request = pb.AnalyzeStackRequest()
    for r in resources:
        message = pb.AnalyzerResource(type=r.type, urn=r.urn, name=r.name, properties=_struct(r.outputs),
                                      options=pb.AnalyzerResourceOptions(protect=r.protect, parent=""), parent="")
        for key, urns in r.property_dependencies.items():
            message.propertyDependencies[key].CopyFrom(pb.AnalyzerPropertyDependencies(urns=list(urns)))
        request.resources.append(message)
    return request


def _write_floor(directory: Path, source: str) -> Path:
    directory.mkdir()
    (directory / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (directory / "__main__.py").write_text(source)
    return directory


def _open(pack_dir: Path) -> PackProcess:
    pack = PackProcess(pack_dir, project="bench", stack="dev", preview=False, call_timeout=600)
    pack.configure(reconcile(pack.info()))
    return pack


def analyze_p50(packs: dict[str, PackProcess], requests: list[Any], rounds: int) -> dict[str, float]:
    """Median Analyze time per request and pack, the packs taking turns request by request."""
    times: dict[str, list[float]] = {name: [] for name in packs}
    for _ in range(rounds):
        for request in requests:
            for name, pack in packs.items():
                t0 = time.perf_counter()
                pack._call("Analyze", request)
                times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def stack_seconds(packs: dict[str, PackProcess], request: Any, runs: int) -> dict[str, float]:
    """Median AnalyzeStack time per pack, the packs taking turns run by run (the machine's drift hits both)."""
    times: dict[str, list[float]] = {name: [] for name in packs}
    for _ in range(runs):
        for name, pack in packs.items():
            t0 = time.perf_counter()
            pack._call("AnalyzeStack", request)
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    mix = analyze_requests(synthetic_stack(200))
    with tempfile.TemporaryDirectory() as tmp:
        floors = {"floor": _write_floor(Path(tmp) / "floor", RESOURCE_FLOOR),
                  "floor-stack": _write_floor(Path(tmp) / "floor-stack", STACK_FLOOR)}
        packs = {"ours": _open(ROOT), **{k: _open(v) for k, v in floors.items()}}
        try:
            starts = {k: p.startup_seconds for k, p in packs.items()}
            p50 = analyze_p50({k: packs[k] for k in ("ours", "floor")}, mix, args.runs)
            pair = {k: packs[k] for k in ("ours", "floor-stack")}
            stack = {size: stack_seconds(pair, stack_request(synthetic_stack(size)), args.runs) for size in sizes}
        finally:
            for p in packs.values():
                p.close()
    print(f"Analyze p50 per resource ({len(mix)}-resource mix x {args.runs}): ours {p50['ours'] * 1e3:.3f} ms, "
          f"one-rule floor {p50['floor'] * 1e3:.3f} ms, ratio {p50['ours'] / p50['floor']:.2f}x")
    print(f"Launch to port line (one run): ours {starts['ours']:.3f} s, floor {starts['floor']:.3f} s")
    print()
    print(f"{'resources':>10} {'ours (s)':>10} {'stack floor (s)':>16} {'ours/floor':>11} {'growth':>8}")
    previous = None
    for size in sizes:
        ours, floor = stack[size]["ours"], stack[size]["floor-stack"]
        growth = f"{ours / previous:.2f}x" if previous else "-"
        print(f"{size:>10} {ours:>10.3f} {floor:>16.3f} {ours / floor:>10.2f}x {growth:>8}")
        previous = ours
    print(f"growth {sizes[0]} -> {sizes[-1]}: {stack[sizes[-1]]['ours'] / stack[sizes[0]]['ours']:.2f}x")


if __name__ == "__main__":
    main()
