"""One team cannot reach another team's apps, profiles or datasets: network paths from the security-group rules,
API access from requests over the generated policies."""

from __future__ import annotations

import itertools

from infra_requests import Stack
from infra_stack_helpers import EGRESS_RULE, INGRESS_RULE, dependents
from ml_dataset_governance.infra.catalog import StackSettings
from ml_dataset_governance.policies.access import Request, evaluate

from mlgov.program import ProgramRun, RecordedResource


def allows(run: ProgramRun, kind: str, group: RecordedResource, peer: RecordedResource, port: int) -> bool:
    """Whether a rule of `group` admits (ingress) or emits (egress) TCP traffic to `port` from/to `peer`."""
    for rule in dependents(run, kind, "securityGroupId", group):
        if peer.urn not in rule.property_dependencies.get("referencedSecurityGroupId", []):
            continue
        protocol = rule.inputs["ipProtocol"]
        if protocol == "-1" or (protocol == "tcp" and rule.inputs["fromPort"] <= port <= rule.inputs["toPort"]):
            return True
    return False


def reaches(run: ProgramRun, source: RecordedResource, target: RecordedResource, port: int) -> bool:
    """A connection needs the source's egress and the target's ingress (security groups are stateful)."""
    return allows(run, EGRESS_RULE, source, target, port) and allows(run, INGRESS_RULE, target, source, port)


def test_apps_of_one_team_cannot_connect_to_another_teams(stack: Stack, settings: StackSettings) -> None:
    groups = {t.name: stack.team_security_group(t.name) for t in settings.catalog.teams}
    assert len({g.urn for g in groups.values()}) == len(groups), "each team has a group of its own"
    for port in (22, 443, 2049, 8888):  # ssh, https, nfs, jupyter
        for a, b in itertools.permutations(groups, 2):
            assert not reaches(stack.run, groups[a], groups[b], port), (a, b, port)
        for team, group in groups.items():
            assert reaches(stack.run, group, group, port), f"{team} apps reach each other (distributed jobs)"


def test_every_team_reaches_the_interface_endpoints_over_https_only(stack: Stack, settings: StackSettings) -> None:
    endpoints = next(g for g in stack.run.by_type("aws:ec2/securityGroup:SecurityGroup")
                     if g.name.endswith("endpoints"))
    for team in settings.catalog.teams:
        group = stack.team_security_group(team.name)
        assert reaches(stack.run, group, endpoints, 443), team.name
        assert not reaches(stack.run, group, endpoints, 80), team.name
        assert not reaches(stack.run, endpoints, group, 443), "endpoints never connect into a team's apps"


def test_one_team_cannot_touch_another_teams_profiles_spaces_or_apps(stack: Stack, settings: StackSettings) -> None:
    domain = stack.domain_id
    for team, other in itertools.permutations([t for t in settings.catalog.teams if t.members], 2):
        person = other.members[0]
        owned_by_other = {"sagemaker:OwnerUserProfileArn": stack.profile_arn(person),
                          "sagemaker:SpaceSharingType": "Private"}
        space = f"arn:aws:sagemaker:us-east-1:123456789012:space/{domain}/{person}-space"
        app = f"arn:aws:sagemaker:us-east-1:123456789012:app/{domain}/{person}-space/jupyterlab/default"
        for action, resource, context in [
            ("sagemaker:CreatePresignedDomainUrl", stack.profile_arn(person), {}),
            ("sagemaker:DescribeUserProfile", stack.profile_arn(person), {}),
            ("sagemaker:UpdateSpace", space, owned_by_other),
            ("sagemaker:DeleteSpace", space, owned_by_other),
            ("sagemaker:CreateApp", app, owned_by_other),
            ("sagemaker:DeleteApp", app, owned_by_other),
        ]:
            assert not stack.as_team(team.name, action, resource, context).allowed, (team.name, action, person)
            for member in team.members:  # nor can its people, through their persona roles
                role = stack.persona_role(member)
                decision = evaluate(Request(principal=role.outputs["arn"], action=action, resource=resource,
                                            context={**context, "aws:SourceVpce": stack.endpoint(
                                                "aws.sagemaker.us-east-1.studio").outputs["id"]}),
                                    identity_policies=stack.policies_of(role))
                assert not decision.allowed, (member, action, person)


def test_one_team_cannot_read_a_dataset_it_is_not_granted(stack: Stack, settings: StackSettings) -> None:
    for dataset in settings.catalog.datasets:
        for team in settings.catalog.teams:
            if dataset.access_for(team.name) is not None:
                continue
            role = stack.team_role(team.name)
            objects = f"{stack.bucket_arn(dataset.name)}/k"
            assert not stack.s3(role.outputs["arn"], "s3:GetObject", objects, stack.through_endpoint(),
                                identity=stack.policies_of(role)).allowed, (team.name, dataset.name)
            assert not stack.kms(role.outputs["arn"], f"alias/mlgov/{dataset.name}", "kms:Decrypt",
                                 {"kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": "123456789012"},
                                 identity=stack.policies_of(role)).allowed, (team.name, dataset.name)


def test_one_team_cannot_pass_or_assume_another_teams_role(stack: Stack, settings: StackSettings) -> None:
    for team, other in itertools.permutations(settings.catalog.teams, 2):
        other_arn = stack.role_arn(other.name)
        assert not stack.as_team(team.name, "iam:PassRole", other_arn,
                                 {"iam:PassedToService": "sagemaker.amazonaws.com"}).allowed, (team.name, other.name)
        assert not stack.as_team(team.name, "sts:AssumeRole", other_arn).allowed, (team.name, other.name)
