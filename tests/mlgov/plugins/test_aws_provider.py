"""The offline `pulumi-resource-aws` as the engine launches it: a process that prints its port, answers the
provider protocol from the gate's mock cloud and exits cleanly on a signal or when the engine goes away."""

from __future__ import annotations

import signal
import subprocess
import sys
from importlib.metadata import version

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from mlgov.plugins.aws_provider import to_dict, to_struct

BUCKET_URN = "urn:pulumi:dev::p::aws:s3/bucket:Bucket::data"
KEY_URN = "urn:pulumi:dev::p::aws:kms/key:Key::key"


@pytest.fixture(scope="module")
def provider():
    proc = subprocess.Popen([sys.executable, "-m", "mlgov.plugins.aws_provider", "127.0.0.1:1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    port = int(proc.stdout.readline())
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = provider_pb2_grpc.ResourceProviderStub(channel)
    stub.Configure(provider_pb2.ConfigureRequest(args=to_struct({"region": "eu-west-1"})), timeout=10)
    yield proc, stub
    channel.close()
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_it_reports_the_installed_sdk_version(provider):
    _, stub = provider
    assert stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version == version("pulumi_aws")


def test_configure_declares_what_the_engine_needs(provider):
    _, stub = provider
    response = stub.Configure(provider_pb2.ConfigureRequest(args=to_struct({"region": "eu-west-1"})), timeout=10)
    assert response.supportsPreview and response.acceptResources
    assert not response.acceptSecrets  # the engine strips and re-applies secretness itself


def test_check_returns_the_inputs_unchanged(provider):
    _, stub = provider
    news = to_struct({"bucket": "data", "tags": {"owner": "ml"}, "forceDestroy": False})
    assert stub.Check(provider_pb2.CheckRequest(urn=BUCKET_URN, news=news), timeout=10).inputs == news


def test_preview_create_leaves_computed_outputs_unknown(provider):
    _, stub = provider
    response = stub.Create(provider_pb2.CreateRequest(urn=BUCKET_URN, properties=to_struct({"tags": {}}),
                                                      preview=True), timeout=10)
    assert response.id == ""
    assert to_dict(response.properties) == {"tags": {}}  # no arn, no bucket name: unknown until the update


def test_update_create_returns_an_id_and_type_shaped_outputs(provider):
    _, stub = provider
    bucket = stub.Create(provider_pb2.CreateRequest(urn=BUCKET_URN, properties=to_struct({"bucket": "ml-data"})),
                         timeout=10)
    assert bucket.id == "ml-data"
    outputs = to_dict(bucket.properties)
    assert outputs["arn"] == "arn:aws:s3:::ml-data"
    assert outputs["region"] == "eu-west-1"  # from Configure, as the real provider reads aws:region
    key = stub.Create(provider_pb2.CreateRequest(urn=KEY_URN, properties=to_struct({})), timeout=10)
    assert to_dict(key.properties)["arn"] == f"arn:aws:kms:eu-west-1:123456789012:key/{key.id}"
    assert to_dict(key.properties)["id"] == key.id  # as the bridged provider returns it


def test_invoke_answers_data_sources_fully_known_in_preview(provider):
    _, stub = provider
    response = stub.Invoke(provider_pb2.InvokeRequest(tok="aws:index/getCallerIdentity:getCallerIdentity",
                                                      args=to_struct({}), preview=True), timeout=10)
    assert to_dict(getattr(response, "return"))["accountId"] == "123456789012"
    doc = stub.Invoke(provider_pb2.InvokeRequest(
        tok="aws:iam/getPolicyDocument:getPolicyDocument",
        args=to_struct({"statements": [{"effect": "Deny", "actions": ["s3:*"], "resources": ["*"]}]})), timeout=10)
    assert '"Effect": "Deny"' in to_dict(getattr(doc, "return"))["json"]


def test_diff_leaves_the_diff_to_the_engine_and_cancel_is_answered(provider):
    _, stub = provider
    diff = stub.Diff(provider_pb2.DiffRequest(urn=BUCKET_URN, olds=to_struct({}), news=to_struct({})), timeout=10)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_UNKNOWN
    stub.Cancel(empty_pb2.Empty(), timeout=10)


def test_it_says_it_is_a_stand_in_and_exits_cleanly_on_sigterm(provider):
    proc, _ = provider
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    banner = proc.stderr.read()
    assert b"stand-in for AWS" in banner and b"never calls AWS" in banner


def test_it_exits_when_the_engine_closes_its_stdin():
    proc = subprocess.Popen([sys.executable, "-m", "mlgov.plugins.aws_provider"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout.readline().strip().isdigit()
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0
    proc.stdout.close()
