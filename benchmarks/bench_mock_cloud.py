"""What the type-shaped mock cloud costs: shaping many types, and a large program's run.

    .venv/bin/python benchmarks/bench_mock_cloud.py [--types 200] [--resources 2000] [--repeat 3]

- shape: deriving the output shapes of N distinct resource types picked across all of pulumi-aws, split
  into the SDK's own module loading (a program that uses those types pays it anyway) and our reading of
  the loaded classes;
- program: a generated program of N resources (VPCs, subnets, security groups, buckets and their settings,
  KMS keys, IAM roles, Lambda functions, EKS clusters) run by the gate's program runner in update mode,
  with shaped outputs against identities only (ids, ARNs, names: the mock cloud before shapes). CPU time,
  the fastest of --repeat runs, each in a fresh process.

Not run by pytest.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pulumi
import pulumi_aws as aws

from mlgov.cloud import MockCloud, shapes
from mlgov.program import run_program


def shape_types(count: int) -> None:
    registry = Path(aws.__file__).read_text()
    tokens = random.Random(1).sample(re.findall(r'"(aws:[a-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+)": "', registry), count)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.process_time()
        for token in tokens:
            shapes._resource_class(token, *shapes._split(token))  # the SDK's module loading
        loading = time.process_time() - started
    started = time.process_time()
    shaped = sum(shapes.resource_shape(token) is not None for token in tokens)
    reading = time.process_time() - started
    cloud = MockCloud()
    started = time.process_time()
    sizes = [len(json.dumps(cloud.create(token, f"r{i}", {})[1])) for i, token in enumerate(tokens)]
    creating = time.process_time() - started
    print(f"shape {count} types ({shaped} shaped): SDK module loading {loading:.2f}s, reading shapes "
          f"{reading * 1000:.0f} ms, first create each {creating * 1000:.0f} ms, "
          f"mean outputs {sum(sizes) / len(sizes):.0f} bytes")


def program(resources: int):
    def body() -> None:
        for i in range(resources // 10):
            vpc = aws.ec2.Vpc(f"vpc{i}", cidr_block="10.0.0.0/16")
            subnet = aws.ec2.Subnet(f"subnet{i}", vpc_id=vpc.id, cidr_block="10.0.1.0/24")
            aws.ec2.SecurityGroup(f"sg{i}", vpc_id=vpc.id)
            bucket = aws.s3.Bucket(f"bucket{i}")
            aws.s3.BucketPublicAccessBlock(f"pab{i}", bucket=bucket.id, block_public_acls=True)
            key = aws.kms.Key(f"key{i}")
            aws.kms.Alias(f"alias{i}", name=f"alias/k{i}", target_key_id=key.key_id)
            role = aws.iam.Role(f"role{i}", assume_role_policy="{}")
            aws.lambda_.Function(f"fn{i}", role=role.arn, runtime="python3.12", handler="h",
                                 code=pulumi.AssetArchive({}))
            aws.eks.Cluster(f"eks{i}", role_arn=role.arn, vpc_config={"subnet_ids": [subnet.id]})
    return body


def run_program_cpu(resources: int) -> float:
    started = time.process_time()
    run = run_program(program(resources), project="bench", preview=False)
    assert len(run.resources) >= resources
    return time.process_time() - started


def measure_in_this_process(variant: str, resources: int) -> float:
    run_program_cpu(20)  # warm up: the SDK modules and the shapes of the program's types
    if variant == "bare":
        shapes.resource_shape = lambda token: None  # identities only
    return run_program_cpu(resources)


def compare(resources: int, repeat: int) -> tuple[float, float]:
    """Fastest CPU time of each variant, each run in a fresh process, alternating (runs in one process drift)."""
    best = {"bare": float("inf"), "shaped": float("inf")}
    for _ in range(repeat):
        for variant in best:
            out = subprocess.run([sys.executable, __file__, "--only", variant, "--resources", str(resources)],
                                 check=True, capture_output=True, text=True).stdout
            best[variant] = min(best[variant], float(out.split()[-1]))
    return best["bare"], best["shaped"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--types", type=int, default=200)
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("bare", "shaped"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        print(measure_in_this_process(args.only, args.resources))
        return
    shape_types(args.types)
    bare, shaped = compare(args.resources, args.repeat)
    print(f"program of {args.resources} resources, update mode, CPU: identities only {bare:.2f}s, "
          f"shaped {shaped:.2f}s, overhead {shaped - bare:+.2f}s ({(shaped / bare - 1) * 100:+.0f}%)")


if __name__ == "__main__":
    main()
