"""Escape hatches: CloudFormation stacks and stack sets, Cloud Control resources and aws-native resources
can create anything the pack governs without a pulumi-aws resource the rules would see.

Where the template body or desired state is known, each declared resource of a mapped type
(policies.templates) is judged by the pack's own resource rules for the equivalent pulumi-aws type,
with their default parameters. A template the pack cannot read (only a TemplateURL, a body that does
not parse) is opaque and reported; so is a declared resource of a data-bearing service (S3,
SageMaker, KMS, IAM, EC2, Glue, Lake Formation, CloudTrail, nested stacks) that no rule can judge.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies import templates
from ml_dataset_governance.policies.frameworks import NIST
from ml_dataset_governance.policies.model import Resource, Rule
from ml_dataset_governance.policies.values import Unverifiable, is_unknown

CFN_STACK = "aws:cloudformation/stack:Stack"
CFN_STACK_SET = "aws:cloudformation/stackSet:StackSet"
CLOUD_CONTROL = "aws:cloudcontrol/resource:Resource"
RULE_ID = "cloudformation-template-governed"


@functools.cache
def _rules_for(token: str) -> tuple[Any, ...]:
    """The mandatory-by-default resource rules for a pulumi-aws type, configured with their defaults
    (imported late: the catalog imports this module). Advisory hygiene rules stay out: this rule is
    mandatory and must not turn a missing tag inside a template into a blocking finding."""
    from ml_dataset_governance.policies.adapter import configure
    from ml_dataset_governance.policies.catalog import all_rules
    from pulumi_policy import EnforcementLevel

    return tuple(configure(rule, None, EnforcementLevel.MANDATORY) for rule in all_rules()
                 if not rule.stack and rule.enforcement == "mandatory" and rule.id != RULE_ID
                 and rule.applies_to(token))


def _declarations(r: Resource) -> Iterator[tuple[str, str, Any] | str | Unverifiable]:
    """(logical id, CloudFormation type, properties) per declared resource; a string for an opaque source."""
    if r.type == CLOUD_CONTROL:
        type_name, state = r.get("typeName"), r.props.get("desiredState")
        if is_unknown(state):
            yield Unverifiable("desiredState")
            return
        try:
            props = json.loads(state) if isinstance(state, str) else state
        except ValueError:
            yield "desiredState is not valid JSON, so what it creates cannot be judged"
            return
        yield r.name, str(type_name), props
        return
    if r.type not in (CFN_STACK, CFN_STACK_SET):
        cfn_type = templates.native_to_cfn(r.type)
        if cfn_type:
            yield r.name, cfn_type, r.props
        return
    body = r.props.get("templateBody")
    if is_unknown(body):
        yield Unverifiable("templateBody")
        return
    if not body:
        yield "the template is given only by templateUrl, so what it creates cannot be judged"
        return
    try:
        template = templates.parse(body)
    except templates.TemplateError as exc:
        yield f"templateBody cannot be read ({exc}), so what it creates cannot be judged"
        return
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        yield "templateBody has no Resources map, so what it creates cannot be judged"
        return
    for logical, declared in resources.items():
        if isinstance(declared, Mapping):
            yield str(logical), str(declared.get("Type")), declared.get("Properties")


def _judge(r: Resource, logical: str, cfn_type: str, properties: Any) -> Iterator[str | Unverifiable]:
    from ml_dataset_governance.policies.adapter import run_resource_rule

    translated = templates.translate(cfn_type, properties)
    where = f"{cfn_type} '{logical}'" if r.type in (CFN_STACK, CFN_STACK_SET) else f"its {cfn_type}"
    if translated is None:
        if templates.governed(cfn_type):
            yield (f"{where} is not judged by this pack inside a template or Cloud Control resource; expected it "
                   "declared as a pulumi-aws resource (or this resource exempted with a reason).")
        return
    token, props = translated
    inner = Resource(type=token, name=logical, urn=r.urn, props=props)
    for cr in _rules_for(token):
        outcome = run_resource_rule(cr, inner)
        for reported in outcome.reported:
            text = reported.message.split(": ", 1)[-1]
            yield f"{where} breaks {cr.rule.id}: {text}"
        for path in outcome.unverifiable:
            yield Unverifiable(f"{logical}.{path}")


def _governed(r: Resource, _params: Mapping[str, Any]) -> Iterator[str | Unverifiable]:
    for item in _declarations(r):
        if isinstance(item, (str, Unverifiable)):
            if isinstance(item, str):
                yield (f"{item}; expected templateBody (or desiredState) inline, or the resources declared with "
                       "pulumi-aws, or this resource exempted with a reason.")
            else:
                yield item
            continue
        yield from _judge(r, *item)


RULES = (
    Rule(
        id=RULE_ID,
        title="CloudFormation stacks, stack sets, Cloud Control and aws-native resources create nothing the pack "
              "would block",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("CM-2"), NIST("CM-7")),
        rationale=(
            "A CloudFormation stack (or stack set, or Cloud Control resource) can declare a public bucket policy, "
            "an unisolated model or an admin role that no pulumi-aws rule ever sees. Inline templates (JSON or "
            "YAML, intrinsic functions read as deploy-time values) are opened and every declared resource of a "
            "mapped type is judged by the same mandatory-by-default rules as its pulumi-aws twin, with their "
            "default parameters; "
            "aws-native resources of those types are judged the same way. A template given only by URL, one that "
            "does not parse, or a data-bearing type no rule covers is opaque and reported. Exempt a reviewed "
            "stack by name, with a reason."
        ),
        remediation="Declare the resources with pulumi-aws (`aws.sagemaker.Model(...)` instead of "
                    "`aws.cloudformation.Stack(template_body=...)`), or keep the template inline and compliant.",
        checks=(_governed,),
        resource_types=(CFN_STACK, CFN_STACK_SET, CLOUD_CONTROL, *templates.NATIVE_TYPES),
        tags=("escape-hatch",),
    ),
)
