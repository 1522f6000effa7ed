"""The pack's analyzer servicer: each request is read once, whatever the number of rules.

The SDK's `_PolicyAnalyzerServicer` deserializes a request's properties once per policy and hands
every resource to every resource policy. `PackServicer` keeps the SDK's GetAnalyzerInfo,
GetPluginInfo, Configure and ConfigureStack (so metadata and config handling stay the SDK's) and
replaces Analyze and AnalyzeStack:

- Analyze deserializes once, builds one `Resource` and runs only the enabled rules whose
  resource_types include its type (a type -> rules table built once per Configure);
- AnalyzeStack builds one `Stack` (with its correlation indexes) shared by every stack rule.

The diagnostics are the SDK's, field for field: enforcement from config (DISABLED skipped,
REMEDIATE reported as MANDATORY), `message = description + "\\n" + message`, severity, the
advisory "can't run policy ... during preview: ..." note for values unknown until the update, and
a PolicyNotApplicable entry when a check raises `NotApplicable` (the SDK's `args.not_applicable`).
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ml_dataset_governance.policies.adapter import (
    ConfiguredRule,
    Outcome,
    configure,
    run_resource_rule,
    run_stack_rule,
    sdk_policy,
    too_deep,
    unverifiable_message,
)
from ml_dataset_governance.policies.exemptions import EXEMPTIONS_POLICY, STACK_EXEMPTIONS_POLICY, hygiene, today
from ml_dataset_governance.policies.model import Resource, Rule, Stack, short_type
from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity, StackValidationPolicy
from pulumi_policy.deserialize import SPECIAL_SIG_KEY, _deserialize_property
from pulumi_policy.policy import _PolicyAnalyzerServicer

REPORTER_TITLE = "Configured exemptions are current and match resources"


class ExemptionsReporterInfo(ResourceValidationPolicy):
    """pack-exemptions-reported: kept for users' configs; reports nothing (see policies.exemptions)."""


class ExemptionHygieneInfo(StackValidationPolicy):
    """pack-stack-exemptions-reported: expired exemptions and ones matching no resource."""


def reporter_policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    common = {
        "description": REPORTER_TITLE,
        "enforcement_level": EnforcementLevel.ADVISORY,
        "display_name": REPORTER_TITLE,
        "severity": Severity.LOW,
        "tags": ["exemptions"],
        "remediation_steps": "Renew or remove the exemption: its reason, its owner and its expiry date.",
        "url": "https://github.com/ml-dataset-governance/ml-dataset-governance/blob/main/docs/rules.md#exemptions",
    }
    return [ExemptionsReporterInfo(name=EXEMPTIONS_POLICY, **common),
            ExemptionHygieneInfo(name=STACK_EXEMPTIONS_POLICY, **common)]


@dataclass
class _Dispatch:
    """What one Configure decided: enabled resource and stack rules, the hygiene reporter's level.

    `rules_for(type)` is a table filled once per type (`Rule.applies_to` is the one definition of
    which types a rule checks; most rules list them, the tagging rule also takes unlisted `aws:` types).
    """

    resource_rules: list[ConfiguredRule] = field(default_factory=list)
    stack_rules: list[ConfiguredRule] = field(default_factory=list)
    hygiene_level: EnforcementLevel | None = None
    _by_type: dict[str, tuple[ConfiguredRule, ...]] = field(default_factory=dict)

    def rules_for(self, type_token: str) -> tuple[ConfiguredRule, ...]:
        rules = self._by_type.get(type_token)
        if rules is None:
            rules = self._by_type[type_token] = tuple(
                cr for cr in self.resource_rules if cr.rule.applies_to(type_token))
        return rules

    @property
    def all_rules(self) -> list[ConfiguredRule]:
        return self.resource_rules + self.stack_rules


class PackServicer(_PolicyAnalyzerServicer):
    def __init__(self, rules: Iterable[Rule], *, name: str, version: str, description: str | None = None,
                 display_name: str | None = None, provider: str | None = None, tags: list[str] | None = None):
        self._rules = tuple(rules)
        self._policies = [sdk_policy(r) for r in self._rules] + reporter_policies()
        super().__init__(name, version, self._policies, EnforcementLevel.ADVISORY, None, description,
                         display_name, None, provider, tags, None)
        self._pack_label = f"{name}@v{version}"
        self._pack_name, self._pack_version = name, version
        self._by_name = {p.name: p for p in self._policies}
        self._dispatch: _Dispatch | None = None  # built at Configure (the engine skips it when config is empty)

    # -- configuration ------------------------------------------------------------------------------
    def Configure(self, request, context):  # noqa: N802 - gRPC method name
        response = super().Configure(request, context)
        self._dispatch = self._build_dispatch()
        return response

    def _build_dispatch(self) -> _Dispatch:
        self._configure_runtime_settings()  # what the SDK does per request; once is enough for this pack
        dispatch = _Dispatch()
        for rule in self._rules:
            level = self._get_enforcement_level(self._by_name[rule.id])
            if level == EnforcementLevel.DISABLED:
                continue
            cr = configure(rule, self._get_policy_config(rule.id), level)
            (dispatch.stack_rules if rule.stack else dispatch.resource_rules).append(cr)
        level = self._get_enforcement_level(self._by_name[STACK_EXEMPTIONS_POLICY])
        dispatch.hygiene_level = None if level == EnforcementLevel.DISABLED else level
        return dispatch

    def _current(self) -> _Dispatch:
        if self._dispatch is None:
            self._dispatch = self._build_dispatch()
        return self._dispatch

    # -- diagnostics --------------------------------------------------------------------------------
    def _diagnostic(self, policy: Any, message: str, urn: str, level: EnforcementLevel,
                    severity: Severity | None) -> proto.AnalyzeDiagnostic:
        return proto.AnalyzeDiagnostic(
            policyName=policy.name,
            policyPackName=self._pack_name,
            policyPackVersion=self._pack_version,
            message=f"{policy.description}\n{message}" if message else policy.description,
            urn=urn,
            description=policy.description,
            enforcementLevel=self._map_enforcement_level(level),
            severity=self._map_severity(severity),
        )

    def _append(self, response: proto.AnalyzeResponse, cr: ConfiguredRule, outcome: Outcome) -> None:
        policy = self._by_name[cr.rule.id]
        for r in outcome.reported:
            level = EnforcementLevel.ADVISORY if r.exempted else cr.level
            response.diagnostics.append(self._diagnostic(policy, r.message, r.urn, level, policy.severity))
        if outcome.not_applicable is not None:
            response.not_applicable.append(proto.PolicyNotApplicable(policy_name=policy.name,
                                                                     reason=outcome.not_applicable))
        if outcome.unverifiable:
            # The SDK's UnknownValueError note, word for word (no severity, no urn, always advisory).
            response.diagnostics.append(proto.AnalyzeDiagnostic(
                policyName=policy.name,
                policyPackName=self._pack_name,
                policyPackVersion=self._pack_version,
                message=(f"can't run policy '{policy.name}' from policy pack '{self._pack_label}' during preview: "
                         f"{unverifiable_message(outcome.unverifiable)}"),
                urn="",
                description=policy.description,
                enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
            ))

    # -- analysis -----------------------------------------------------------------------------------
    def Analyze(self, request, _context):  # noqa: N802
        response = proto.AnalyzeResponse()
        rules = self._current().rules_for(request.type)
        if not rules:
            return response
        try:
            resource = Resource(
                type=request.type,
                name=request.name,
                urn=request.urn,
                props=plain_properties(request.properties),
                protect=bool(request.options.protect),
                parent=request.options.parent or None,
            )
        except RecursionError:
            label = f"{short_type(request.type)} '{request.name}'"
            for cr in rules:
                self._append(response, cr, too_deep(cr.rule, label))
            return response
        for cr in rules:
            self._append(response, cr, run_resource_rule(cr, resource))
        return response

    def AnalyzeStack(self, request, _context):  # noqa: N802
        response = proto.AnalyzeResponse()
        dispatch = self._current()
        if not dispatch.stack_rules and dispatch.hygiene_level is None:
            return response
        # One request allocates a few objects per property of every resource and frees none of them until it
        # returns: the cyclic collector's full passes over that growing heap would make the cost superlinear.
        collecting = gc.isenabled()
        gc.disable()
        try:
            stack = Stack(_stack_resources(request.resources))
            for cr in dispatch.stack_rules:
                self._append(response, cr, run_stack_rule(cr, stack))
        finally:
            if collecting:
                gc.enable()
        if dispatch.hygiene_level is not None:
            reporter = self._by_name[STACK_EXEMPTIONS_POLICY]
            names = [(r.urn, r.name) for r in stack.resources]
            on = today()
            for cr in dispatch.all_rules:
                for message in hygiene(cr.rule.id, cr.exemptions, names, on):
                    response.diagnostics.append(
                        self._diagnostic(reporter, message, "", dispatch.hygiene_level, reporter.severity))
        return response


def plain_properties(struct: Any) -> dict[str, Any]:
    """A request's properties as plain Python, in one pass.

    What the SDK gets from `deserialize_properties(json_format.MessageToDict(...))`: numbers as
    floats, unknown sentinels kept, and signature objects (secrets unwrapped to their value, assets,
    archives) decoded by the SDK's own `_deserialize_property`; walking the Struct directly skips
    json_format's generic descriptor machinery, the largest cost of a 10,000-resource AnalyzeStack.
    """
    return _fields(struct)


def _fields(struct: Any) -> dict[str, Any]:
    return {key: _plain_value(value) for key, value in struct.fields.items()}


def _plain_value(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "struct_value":
        out = _fields(value.struct_value)
        return _deserialize_property(out) if SPECIAL_SIG_KEY in out else out
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return [_plain_value(v) for v in value.list_value.values]
    return None


def _stack_resources(resources: Iterable[Any]) -> Iterable[Resource]:
    for r in resources:
        try:
            props = plain_properties(r.properties)
        except RecursionError:
            continue  # nested past Python's limit: its resource rules already failed closed on it
        yield Resource(
            type=r.type,
            name=r.name,
            urn=r.urn,
            props=props,
            protect=bool(r.options.protect),
            parent=r.parent or None,
            dependencies=tuple(r.dependencies),
            property_dependencies={k: tuple(v.urns) for k, v in r.propertyDependencies.items()},
        )


def serve(servicer: PackServicer) -> None:
    """Start the gRPC server as `pulumi_policy.PolicyPack` does: port on stdout, then block forever."""
    from concurrent import futures

    import grpc
    from pulumi.runtime.proto import analyzer_pb2_grpc
    from pulumi_policy.policy import _GRPC_CHANNEL_OPTIONS

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_GRPC_CHANNEL_OPTIONS)
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(servicer, server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        while True:
            time.sleep(24 * 60 * 60)
    except KeyboardInterrupt:
        server.stop(0)
