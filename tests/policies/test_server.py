"""The pack servicer: one read per request, dispatch by type, one Stack per AnalyzeStack, SDK semantics."""

from __future__ import annotations

import json

import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from ml_dataset_governance.policies import server
from ml_dataset_governance.policies.model import Finding, Rule
from ml_dataset_governance.policies.server import PackServicer, plain_properties
from ml_dataset_governance.policies.values import UNKNOWN, Unverifiable
from pulumi.runtime.proto import analyzer_pb2 as pb
from pulumi_policy.deserialize import deserialize_properties

from mlgov.analyzer import InProcessAnalyzer
from mlgov.testing import resource

TYPE_A, TYPE_B = "aws:test/a:A", "aws:test/b:B"
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "hunter2"}


class Calls:
    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []


def _rule(rule_id: str, checks, *, types=(), stack=False, enforcement="advisory", severity="high") -> Rule:
    return Rule(id=rule_id, title=f"Title of {rule_id}", severity=severity, enforcement=enforcement, frameworks=(),
                rationale="r", remediation="r", checks=tuple(checks), resource_types=tuple(types), stack=stack)


def _flag(calls: Calls, name: str):
    def check(r, _params):
        calls.seen.append((name, r))
        if r.get("bad"):
            yield "bad is set; expected it unset."
    return check


def _analyzer(rules) -> InProcessAnalyzer:
    return InProcessAnalyzer(servicer=PackServicer(rules, name="test-pack", version="1.2.3"))


def _raw_analyze(analyzer: InProcessAnalyzer, r) -> pb.AnalyzeResponse:
    s = struct_pb2.Struct()
    s.update(r.inputs)
    return analyzer._servicer.Analyze(pb.AnalyzeRequest(type=r.type, urn=r.urn, name=r.name, properties=s), None)


def test_only_the_rules_for_the_resource_type_run():
    calls = Calls()
    analyzer = _analyzer([_rule("t-a-one", [_flag(calls, "a1")], types=[TYPE_A]),
                          _rule("t-a-two", [_flag(calls, "a2")], types=[TYPE_A, TYPE_B]),
                          _rule("t-b", [_flag(calls, "b")], types=[TYPE_B])])
    analyzer.analyze(resource(TYPE_A, "x", {}))
    assert [name for name, _ in calls.seen] == ["a1", "a2"]
    analyzer.analyze(resource("aws:test/other:Other", "y", {}))
    assert len(calls.seen) == 2


def test_the_request_is_read_once_and_every_rule_sees_the_same_resource(monkeypatch):
    calls, reads = Calls(), []
    real = server.plain_properties
    monkeypatch.setattr(server, "plain_properties", lambda s: reads.append(1) or real(s))
    analyzer = _analyzer([_rule(f"t-a-{i}", [_flag(calls, str(i))], types=[TYPE_A]) for i in range(5)])
    analyzer.analyze(resource(TYPE_A, "x", {"bad": True, "nested": {"deep": [1.0, 2.0]}}))
    assert len(reads) == 1
    assert len({id(r) for _, r in calls.seen}) == 1 and len(calls.seen) == 5


def test_analyze_stack_builds_one_stack_shared_by_every_stack_rule(monkeypatch):
    stacks = []

    def check(stack, _params):
        stacks.append(stack)
        yield from ()

    reads = []
    real = server.plain_properties
    monkeypatch.setattr(server, "plain_properties", lambda s: reads.append(1) or real(s))
    analyzer = _analyzer([_rule(f"t-stack-{i}", [check], stack=True) for i in range(3)])
    analyzer.analyze_stack([resource(TYPE_A, f"r{i}", {"v": float(i)}) for i in range(4)])
    assert len(stacks) == 3 and len({id(s) for s in stacks}) == 1
    assert len(reads) == 4  # each resource read once, not once per rule
    assert [r.name for r in stacks[0].resources] == ["r0", "r1", "r2", "r3"]


def test_diagnostics_carry_the_sdk_fields():
    analyzer = _analyzer([_rule("t-a", [_flag(Calls(), "a")], types=[TYPE_A], enforcement="mandatory",
                                severity="critical")])
    [d] = _raw_analyze(analyzer, resource(TYPE_A, "x", {"bad": True})).diagnostics
    assert d.policyName == "t-a" and d.policyPackName == "test-pack" and d.policyPackVersion == "1.2.3"
    assert d.message == "Title of t-a\naws:test:A 'x': bad is set; expected it unset."
    assert d.description == "Title of t-a" and d.urn == ""
    assert d.enforcementLevel == pb.MANDATORY and d.severity == pb.POLICY_SEVERITY_CRITICAL


def test_unknown_values_give_the_sdk_preview_note_word_for_word():
    def check(r, _params):
        yield Unverifiable("b.c")
        r.get("a")  # raises NeedsValue: the same marker
        yield "never reached"

    analyzer = _analyzer([_rule("t-a", [check], types=[TYPE_A], enforcement="mandatory")])
    [d] = _raw_analyze(analyzer, resource(TYPE_A, "x", {"a": UNKNOWN})).diagnostics
    assert d.message == ("can't run policy 't-a' from policy pack 'test-pack@v1.2.3' during preview: cannot be "
                         "verified until update: a, b.c unknown during preview")
    assert d.enforcementLevel == pb.ADVISORY and d.urn == "" and d.severity == pb.POLICY_SEVERITY_UNSPECIFIED


@pytest.mark.parametrize(("level", "expected"), [("disabled", None), ("remediate", "mandatory"),
                                                  ("mandatory", "mandatory"), ("advisory", "advisory")])
def test_configured_levels_as_the_sdk_applies_them(level, expected):
    analyzer = _analyzer([_rule("t-a", [_flag(Calls(), "a")], types=[TYPE_A])])
    analyzer.configure({"t-a": {"enforcementLevel": level}})
    found = analyzer.analyze(resource(TYPE_A, "x", {"bad": True}))
    assert [d.enforcement for d in found] == ([expected] if expected else [])


def test_stack_findings_name_their_resource_and_exemptions_apply_per_finding():
    def check(stack, _params):
        for r in stack.of_type(TYPE_A):
            yield Finding(r.urn, "is bad; expected good.")

    analyzer = _analyzer([_rule("t-stack", [check], stack=True, enforcement="mandatory")])
    analyzer.configure({"t-stack": {"enforcementLevel": "mandatory", "exemptions": [
        {"resource": "kept", "reason": "kept on purpose until the migration"}]}})
    kept, other = resource(TYPE_A, "kept", {}), resource(TYPE_A, "other", {})
    found = {d.urn: d for d in analyzer.analyze_stack([kept, other])}
    assert found[other.urn].enforcement == "mandatory" and found[other.urn].message == \
        "aws:test:A 'other': is bad; expected good."
    assert found[kept.urn].enforcement == "advisory" and found[kept.urn].policy == "t-stack"
    assert found[kept.urn].message.endswith("\nexempted: kept on purpose until the migration (no expiry)")


def test_invalid_configuration_is_decided_once_and_reported_on_every_request(monkeypatch):
    resolves = []
    real = server.configure
    monkeypatch.setattr(server, "configure", lambda *a: resolves.append(1) or real(*a))
    analyzer = _analyzer([_rule("t-a", [_flag(Calls(), "a")], types=[TYPE_A])])
    analyzer.configure({"t-a": {"enforcementLevel": "mandatory", "typo": 1}})
    for name in ("x", "y"):
        [d] = analyzer.analyze(resource(TYPE_A, name, {}))
        assert d.enforcement == "mandatory" and "invalid policy configuration for 't-a'" in d.message
    assert len(resolves) == 1


_json = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
    | st.just(UNKNOWN) | st.just(SECRET),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=25)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=6), _json, max_size=5))
def test_plain_properties_equal_the_sdks_deserialization(props):
    struct = struct_pb2.Struct()
    struct.update(json.loads(json.dumps(props)))
    assert plain_properties(struct) == deserialize_properties(json_format.MessageToDict(struct))


def test_a_check_declaring_the_rule_not_applicable_skips_its_other_checks_as_the_sdk_does():
    from ml_dataset_governance.policies.values import NotApplicable

    calls = Calls()

    def first(_r, _params):
        raise NotApplicable("only for production stacks")
        yield  # pragma: no cover

    analyzer = _analyzer([_rule("t-a", [first, _flag(calls, "second")], types=[TYPE_A])])
    response = _raw_analyze(analyzer, resource(TYPE_A, "x", {"bad": True}))
    assert list(response.diagnostics) == [] and calls.seen == []
    [entry] = response.not_applicable
    assert (entry.policy_name, entry.reason) == ("t-a", "only for production stacks")
