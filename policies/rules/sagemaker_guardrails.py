"""The preventive guardrails of SageMaker execution roles, proved by request.

A Studio user acts as its execution role: whatever that role may create, the user may create. The
resource rules of policies.rules.sagemaker_jobs stop an unisolated training job declared in a Pulumi
program, but not one created from a notebook. Only a Deny on the role (or its permissions boundary)
keyed on SageMaker's condition keys stops that (aws-samples data-perimeter-policy-examples).

This rule does not pattern-match statements: for every guarded action and condition key it builds the
request AWS would see without that setting (the key absent, or a boolean key "false"), with every
other key left open, and asks the access model (policies.access.evaluate) whether the role's own
policies plus its boundary deny it, assuming everything else is allowed. A Deny that only fires for
some other reason (a subnet list, a tag) does not count: open keys make those undecided.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ml_dataset_governance.policies import iam_documents as docs
from ml_dataset_governance.policies.access.conditions import Context
from ml_dataset_governance.policies.access.evaluate import Request, evaluate
from ml_dataset_governance.policies.frameworks import NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.values import NeedsValue, Unverifiable, as_document, as_list, is_unknown

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SAGEMAKER = "sagemaker.amazonaws.com"

# Condition key -> the create/update actions whose request carries it (Service Authorization Reference, "Actions,
# resources, and condition keys for Amazon SageMaker AI"). A key is checked only on actions that support it: a Deny
# on an absent key there would deny every call. UpdateMonitoringSchedule is the only update action that carries them.
_TRAINING_LIKE = ("sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
                  "sagemaker:CreateHyperParameterTuningJob")
_MONITORING = ("sagemaker:CreateDataQualityJobDefinition", "sagemaker:CreateModelBiasJobDefinition",
               "sagemaker:CreateModelExplainabilityJobDefinition", "sagemaker:CreateModelQualityJobDefinition",
               "sagemaker:CreateMonitoringSchedule", "sagemaker:UpdateMonitoringSchedule")
GUARDED: dict[str, tuple[str, ...]] = {
    "sagemaker:VpcSubnets": (*_TRAINING_LIKE, "sagemaker:CreateModel", *_MONITORING),
    "sagemaker:VolumeKmsKey": (*_TRAINING_LIKE, "sagemaker:CreateEndpointConfig", *_MONITORING),
    "sagemaker:OutputKmsKey": (*_TRAINING_LIKE, *_MONITORING),
    "sagemaker:NetworkIsolation": (*_TRAINING_LIKE, "sagemaker:CreateModel", *_MONITORING),
    "sagemaker:InterContainerTrafficEncryption": (*_TRAINING_LIKE, *_MONITORING),
}
BOOLEAN_KEYS = ("sagemaker:NetworkIsolation", "sagemaker:InterContainerTrafficEncryption")
_ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class _Probe(Request):
    """A request whose context fixes only the key under test: absent (`absent`) or given; all else is open."""

    absent: tuple[str, ...] = ()

    def build_context(self) -> Context:
        return Context({**self.who.context_keys(), **dict(self.context)}, open=True, absent=self.absent)


def denied_without(action: str, key: str, role_arn: str, identity: list[Any], boundary: Any) -> list[str]:
    """The ways of leaving `key` out of an `action` request that the role's policies do NOT deny."""
    probes = [("absent", _Probe(role_arn, action, absent=(key,)))]
    if key in BOOLEAN_KEYS:
        probes.append(("false", _Probe(role_arn, action, context={key: "false"})))
    open_ways = []
    for how, probe in probes:
        decision = evaluate(probe, identity_policies=[*identity, _ALLOW_ALL], boundary=boundary)
        if decision.allowed:
            open_ways.append(how)
    return open_ways


# --- the role's documents --------------------------------------------------------------------------

def _is_sagemaker_role(role: Resource) -> bool:
    trust = as_document(role.get("assumeRolePolicy"), "assumeRolePolicy")
    return any(SAGEMAKER in docs.service_principals(s) for s in docs.statements(trust) if docs.is_allow(s))


def _policy_document(r: Resource, path: str) -> Any:
    return as_document(r.get(path), path)


def _identity_documents(stack: Stack, role: Resource) -> list[Any]:
    found = [as_document(item.get("policy") if isinstance(item, Mapping) else None, "inlinePolicies.policy")
             for item in as_list(role.get("inlinePolicies"))]
    found += [_policy_document(p, "policy") for p in stack.referencing(role, (ROLE_POLICY,), "role")]
    attached = [p for a in stack.referencing(role, (ROLE_POLICY_ATTACHMENT,), "role")
                for p in stack.referenced_by(a, "policyArn", (POLICY,))]
    attached += stack.referenced_by(role, "managedPolicyArns", (POLICY,))
    found += [_policy_document(p, "policy") for p in attached]
    return [d for d in found if d is not None]


def _boundary(stack: Stack, role: Resource) -> Any:
    if role.get("permissionsBoundary") is None:
        return None
    policies = stack.referenced_by(role, "permissionsBoundary", (POLICY,))
    if not policies:
        return None  # an AWS-managed or foreign boundary: nothing to read, its denies are not counted
    return _policy_document(policies[0], "policy")


def _role_arn(role: Resource) -> str:
    arn = role.props.get("arn") if isinstance(role.props, Mapping) else None
    if isinstance(arn, str) and not is_unknown(arn):
        return arn
    return f"arn:aws:iam::111111111111:role/{role.name}"  # the account does not matter to a Deny on SageMaker keys


def _role_gaps(stack: Stack, role: Resource, keys: list[str]) -> dict[str, list[str]]:
    identity = _identity_documents(stack, role)
    boundary = _boundary(stack, role)
    arn = _role_arn(role)
    gaps: dict[str, list[str]] = {}
    for key in keys:
        for action in GUARDED[key]:
            ways = denied_without(action, key, arn, identity, boundary)
            if ways:
                gaps.setdefault(key, []).append(action.split(":", 1)[1] + ("" if ways == ["absent"] else
                                                                           f" ({' or '.join(ways)})"))
    return gaps


def _guardrails(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    keys = [k for k in (params.get("requiredKeys") or list(GUARDED)) if k in GUARDED]
    for role in stack.of_type(ROLE):
        try:
            if not _is_sagemaker_role(role):
                continue
            gaps = _role_gaps(stack, role, keys)
        except NeedsValue as exc:
            yield Unverifiable(f"{role.name}: {exc.path}")
            continue
        except ValueError:
            continue  # a malformed document: iam-no-admin-access reports it
        if gaps:
            parts = [f"without {key.split(':', 1)[1]}: {', '.join(actions)}" for key, actions in gaps.items()]
            yield Finding(role.urn, "its policies and permissions boundary do not deny creating SageMaker compute "
                                    f"{'; '.join(parts)}; expected a Deny on each condition key (Null \"true\", and "
                                    "Bool \"false\" for the boolean ones) for create and update actions.")


_REMEDIATION = """Attach the guardrails to every SageMaker execution role (or its permissions boundary):

    deny = lambda key, actions, cond: {"Effect": "Deny", "Action": actions, "Resource": "*",
                                       "Condition": {cond: {key: "true" if cond == "Null" else "false"}}}
    aws.iam.RolePolicy("team-guardrails", role=role.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [
        deny("sagemaker:VpcSubnets", ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob"], "Null"),
        deny("sagemaker:NetworkIsolation", ["sagemaker:CreateTrainingJob"], "Null"),
        deny("sagemaker:NetworkIsolation", ["sagemaker:CreateTrainingJob"], "Bool"),
        ...]}))"""

GUARDRAILS = Rule(
    id="sagemaker-execution-role-guardrails",
    title="SageMaker execution roles deny creating compute outside the VPC, unencrypted or not isolated",
    severity="high",
    enforcement="mandatory",
    frameworks=(NIST("AC-3"), NIST("SC-7"), NIST("SC-28")),
    stack=True,
    reads=(ROLE, ROLE_POLICY, ROLE_POLICY_ATTACHMENT, POLICY),
    rationale=(
        "From a notebook, a user can call CreateTrainingJob as the execution role with no VPC, no network "
        "isolation and no KMS keys: the pack's resource rules never see that request. Each role that trusts "
        "sagemaker.amazonaws.com must deny, in its own policies or its permissions boundary, every guarded create "
        "or update action whose request lacks sagemaker:VpcSubnets, VolumeKmsKey, OutputKmsKey, NetworkIsolation or "
        "InterContainerTrafficEncryption (or sets a boolean one to false). Proved by evaluating those requests with "
        "the access model, other keys left open; a boundary outside the stack is not counted. requiredKeys narrows "
        "the keys (e.g. drop VolumeKmsKey for teams that use local-NVMe instances)."
    ),
    remediation=_REMEDIATION,
    checks=(_guardrails,),
    params={"requiredKeys": {"type": "array", "items": {"type": "string", "enum": list(GUARDED)},
                             "default": list(GUARDED),
                             "description": "SageMaker condition keys every execution role must deny without."}},
    tags=("sagemaker", "identity", "guardrails"),
)

RULES = (GUARDRAILS,)
