"""SageMaker Studio and notebook hardening: lifecycle-configuration secrets, notebook IMDSv2 and
platform, Studio Docker access, and the settings a domain, user profile or space can use to weaken
what the domain set (root POSIX users, foreign file systems, shared spaces, unencrypted Canvas
workspaces, cross-account model registration, credentials in repository URLs, security groups).

The domain-level sharing, auth, VPC and key rules live in policies.rules.sagemaker.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ml_dataset_governance.policies import secrets
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.values import NeedsValue, Unverifiable, as_list, as_number, get, is_unknown, known

DOMAIN = "aws:sagemaker/domain:Domain"
USER_PROFILE = "aws:sagemaker/userProfile:UserProfile"
SPACE = "aws:sagemaker/space:Space"
NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
STUDIO_LIFECYCLE = "aws:sagemaker/studioLifecycleConfig:StudioLifecycleConfig"
NOTEBOOK_LIFECYCLE = "aws:sagemaker/notebookInstanceLifecycleConfiguration:NotebookInstanceLifecycleConfiguration"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"

_LIFECYCLE_CONTENT = {STUDIO_LIFECYCLE: ("studioLifecycleConfigContent",), NOTEBOOK_LIFECYCLE: ("onCreate", "onStart")}


# --- lifecycle configurations --------------------------------------------------------------------

def _lifecycle_secrets(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    for prop in _LIFECYCLE_CONTENT.get(r.type, ()):
        content = r.get(prop)
        if not isinstance(content, str) or not content:
            continue
        for kind, line in secrets.findings(secrets.decode(content)):
            yield (f"{prop} embeds {kind} on line {line} (value not shown); expected the script to read secrets "
                   "at run time from Secrets Manager or the execution role.")


# --- notebook instances --------------------------------------------------------------------------

def _notebook_imdsv2(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    version = r.get("instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion")
    if version != "2":
        found = "unset (AWS defaults to 1, which allows IMDSv1)" if version is None else repr(version)
        yield (f"instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion is {found}; expected "
               "'2' so the execution role's credentials cannot be read through IMDSv1.")


DEPRECATED_PLATFORMS = ("notebook-al1-v1", "notebook-al2-v1", "notebook-al2-v2")


def _notebook_platform(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    platform = r.get("platformIdentifier")
    supported = params.get("supportedPlatforms") or []
    if platform is None:
        return  # the provider's default is a supported platform (notebook-al2-v3)
    if platform in DEPRECATED_PLATFORMS or (supported and platform not in supported):
        yield (f"platformIdentifier is {platform!r}, a platform without security updates; expected one of "
               f"{', '.join(supported) or 'the supported platforms'}.")


# --- Studio Docker access ------------------------------------------------------------------------

def _domain_docker(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    docker = r.get("domainSettings.dockerSettings")
    if docker is None or get(docker, "enableDockerAccess") in (None, "DISABLED"):
        return  # AWS's default is DISABLED
    trusted = [a for a in as_list(get(docker, "vpcOnlyTrustedAccounts")) if isinstance(a, str)]
    allowed = params.get("allowedAccounts") or []
    foreign = [a for a in trusted if a not in allowed]
    if not allowed:
        yield ("domainSettings.dockerSettings.enableDockerAccess is 'ENABLED'; expected 'DISABLED', or allowedAccounts "
               "configured with the accounts whose ECR images Studio may pull.")
    elif foreign or not trusted:
        which = f"trusts {', '.join(foreign)}" if foreign else "names no vpcOnlyTrustedAccounts"
        yield (f"domainSettings.dockerSettings {which}; expected only the allowed accounts "
               f"({', '.join(allowed)}).")


# --- settings that weaken the domain -------------------------------------------------------------

# Where each Studio resource keeps its settings blocks, and whether sharing across users is at stake.
_SETTINGS = {
    DOMAIN: ("defaultUserSettings", "defaultSpaceSettings"),
    USER_PROFILE: ("userSettings",),
    SPACE: ("spaceSettings",),
}
_APPS = ("jupyterServerAppSettings", "jupyterLabAppSettings", "codeEditorAppSettings")


def _posix_root(settings: Any, where: str) -> Iterator[str]:
    for key in ("uid", "gid"):
        if as_number(get(settings, f"customPosixUserConfig.{key}")) == 0:
            yield f"{where}.customPosixUserConfig.{key} is 0 (root); expected an unprivileged POSIX user."


def _file_systems(settings: Any, where: str, allowed: list[str]) -> Iterator[str]:
    mounted = []
    for config in as_list(get(settings, "customFileSystemConfigs")) + as_list(get(settings, "customFileSystems")):
        for kind in ("efsFileSystemConfigs", "efsFileSystem", "fsxLustreFileSystemConfigs", "fsxLustreFileSystem"):
            for fs in as_list(get(config, kind)):
                fs_id = get(fs, "fileSystemId")
                if isinstance(fs_id, str) and fs_id not in allowed:
                    mounted.append(fs_id)
    if mounted:
        yield (f"{where} mounts file system(s) {', '.join(mounted)} that are not in allowedFileSystemIds; expected "
               "only the domain's home file system and approved shared ones.")


def _canvas(settings: Any, where: str, accounts: list[str]) -> Iterator[str]:
    workspace = get(settings, "canvasAppSettings.workspaceSettings")
    if workspace is not None and get(workspace, "s3ArtifactPath") and not get(workspace, "s3KmsKeyId"):
        yield (f"{where}.canvasAppSettings.workspaceSettings sets s3ArtifactPath without s3KmsKeyId; expected Canvas "
               "artifacts (dataset copies) encrypted with a customer-managed key.")
    role = get(settings, "canvasAppSettings.modelRegisterSettings.crossAccountModelRegisterRoleArn")
    if isinstance(role, str) and role:
        account = role.split(":")[4] if role.count(":") >= 5 else ""
        if account not in accounts:
            yield (f"{where}.canvasAppSettings.modelRegisterSettings registers models through account "
                   f"{account or 'unknown'}; expected one of allowedAccounts.")


def _repository_credentials(settings: Any, where: str) -> Iterator[str]:
    for app in _APPS:
        for index, repo in enumerate(as_list(get(settings, f"{app}.codeRepositories"))):
            url = get(repo, "repositoryUrl")
            if isinstance(url, str) and secrets.findings(url):
                yield (f"{where}.{app}.codeRepositories[{index}].repositoryUrl embeds credentials (not shown); "
                       "expected a URL without credentials and a Secrets Manager git credential.")


def _studio_settings(r: Resource, params: Mapping[str, Any]) -> Iterator[str]:
    allowed_fs = params.get("allowedFileSystemIds") or []
    accounts = params.get("allowedAccounts") or []
    for where in _SETTINGS.get(r.type, ()):
        settings = r.get(where)
        if settings is None:
            continue
        yield from _posix_root(settings, where)
        yield from _file_systems(settings, where, allowed_fs)
        yield from _canvas(settings, where, accounts)
        yield from _repository_credentials(settings, where)
    shared = r.type == SPACE and r.get("spaceSharingSettings.sharingType") == "Shared"
    if shared and not params.get("allowSharedSpaces"):
        yield ("spaceSharingSettings.sharingType is 'Shared' (every user profile of the domain can open it and its "
               "files); expected 'Private', or allowSharedSpaces for a space meant to be shared.")


# --- security groups within the domain's -----------------------------------------------------------

def _group_refs(stack: Stack, r: Resource, prop: str, path: str) -> tuple[set[str], bool]:
    """The security groups at `path` as URNs where they resolve to a group of the stack (else the id),
    and whether the list could not be read (unknown in preview and no dependency names them)."""
    refs = {u for u in r.property_dependencies.get(prop, ()) if u in stack.by_urn
            and stack.by_urn[u].type == SECURITY_GROUP}
    try:
        values = as_list(get(r.props, path))
    except NeedsValue:
        return refs, not refs
    for value in values:
        if isinstance(value, str) and not is_unknown(value):
            groups = [g for g in stack.of_type(SECURITY_GROUP) if value in g.identifiers()]
            refs.add(groups[0].urn if groups else value)
        elif is_unknown(value) and not refs:
            return refs, True
    return refs, False


_PEER_KEYS = {  # where each rule shape names its peer: (kind, property)
    INGRESS_RULE: (("sg", "referencedSecurityGroupId"), ("cidr", "cidrIpv4"), ("cidr", "cidrIpv6"),
                   ("pl", "prefixListId")),
    EGRESS_RULE: (("sg", "referencedSecurityGroupId"), ("cidr", "cidrIpv4"), ("cidr", "cidrIpv6"),
                  ("pl", "prefixListId")),
    SECURITY_GROUP_RULE: (("sg", "sourceSecurityGroupId"), ("cidr", "cidrBlocks"), ("cidr", "ipv6CidrBlocks"),
                          ("pl", "prefixListIds")),
}
_INLINE_PEER_KEYS = (("sg", "securityGroups"), ("cidr", "cidrBlocks"), ("cidr", "ipv6CidrBlocks"),
                     ("pl", "prefixListIds"))


def _peer_values(stack: Stack, r: Resource, path: str, prop: str, kind: str, props: Any) -> set[str] | None:
    """The peers one rule property names: stack resources by URN (dependency or known id), else the value;
    None when a value is unknown and no dependency names it."""
    try:
        values = as_list(get(props, path))
    except NeedsValue:
        values = [None]
    deps = [u for u in r.property_dependencies.get(prop, ()) if u in stack.by_urn]
    out: set[str] = {f"{kind}:{u}" for u in deps}
    for value in values:
        if isinstance(value, str) and not is_unknown(value):
            found = [x for x in stack.resources if value in x.identifiers()]
            out.add(f"{kind}:{found[0].urn}" if found else f"{kind}:{value}")
        elif not deps and (value is not None or path in (props or {})):
            return None
    return out


def _group_peers(stack: Stack, group: Resource) -> dict[str, set[str]] | None:
    """{"ingress": peers, "egress": peers} of a stack security group, over its inline rules and its rule
    resources; a group's reference to itself is "self". None when a rule cannot be read yet (preview)."""
    peers: dict[str, set[str]] = {"ingress": set(), "egress": set()}
    for direction in ("ingress", "egress"):
        for entry in as_list(group.props.get(direction)):
            if not isinstance(entry, Mapping):
                return None
            if entry.get("self") is True:
                peers[direction].add("self")
            for kind, key in _INLINE_PEER_KEYS:
                found = _peer_values(stack, group, key, direction, kind, entry) if key in entry else set()
                if found is None:
                    return None
                peers[direction] |= found
    for rule in stack.referencing(group, (INGRESS_RULE, EGRESS_RULE, SECURITY_GROUP_RULE), "securityGroupId"):
        direction = {INGRESS_RULE: "ingress", EGRESS_RULE: "egress"}.get(rule.type) or rule.props.get("type")
        if direction not in peers:
            return None
        if rule.type == SECURITY_GROUP_RULE and rule.props.get("self") is True:
            peers[direction].add("self")
        for kind, prop in _PEER_KEYS[rule.type]:
            if prop not in rule.props and prop not in rule.property_dependencies:
                continue
            found = _peer_values(stack, rule, prop, prop, kind, rule.props)
            if found is None:
                return None
            peers[direction] |= found
    return {d: {"self" if p == f"sg:{group.urn}" else p for p in ps} for d, ps in peers.items()}


def _contained(stack: Stack, group: str, domain_groups: set[str]) -> bool | None:
    """Whether a group a profile adds reaches and admits no more than the domain's groups do: every ingress peer is
    itself or a peer (or group) of the domain's ingress, every egress peer itself or one of the domain's egress. So
    a per-team group (AWS's advice for isolating apps in a VpcOnly domain) passes, and one that admits or reaches
    something new does not. Ports are not compared. None when a rule cannot be read yet."""
    own = stack.by_urn.get(group)
    if own is None or own.type != SECURITY_GROUP:
        return False  # not a group of the stack: nothing shows what it admits
    mine = _group_peers(stack, own)
    if mine is None:
        return None
    allowed = {"ingress": {"self", *(f"sg:{u}" for u in domain_groups)},
               "egress": {"self", *(f"sg:{u}" for u in domain_groups)}}
    for urn in domain_groups:
        theirs = stack.by_urn.get(urn)
        if theirs is None or theirs.type != SECURITY_GROUP:
            continue  # a group outside the stack: only itself is known to be the domain's
        peers = _group_peers(stack, theirs)
        if peers is None:
            return None
        for direction, found in peers.items():
            allowed[direction] |= {f"sg:{urn}" if p == "self" else p for p in found}
    return all(mine[d] <= allowed[d] for d in mine)


def _security_groups_within_domain(stack: Stack, _params: Mapping[str, Any]) -> Iterator[Finding | Unverifiable]:
    for r in stack.of_type(USER_PROFILE, SPACE):
        prop = "userSettings" if r.type == USER_PROFILE else "spaceSettings"
        if known(r.props, f"{prop}.securityGroups") and get(r.props, f"{prop}.securityGroups") is None:
            continue  # no override: the domain's groups apply
        domains = stack.referenced_by(r, "domainId", (DOMAIN,))
        if not domains:
            continue
        domain = domains[0]
        mine, mine_unknown = _group_refs(stack, r, prop, f"{prop}.securityGroups")
        theirs: set[str] = set()
        theirs_unknown = False
        for block in ("defaultUserSettings", "defaultSpaceSettings"):
            refs, undecided = _group_refs(stack, domain, block, f"{block}.securityGroups")
            theirs |= refs
            theirs_unknown = theirs_unknown or undecided
        if mine_unknown or theirs_unknown:
            yield Unverifiable(f"{r.name}: {prop}.securityGroups")
            continue
        verdicts = {u: _contained(stack, u, theirs) for u in mine - theirs}
        if None in verdicts.values():
            yield Unverifiable(f"{r.name}: {prop}.securityGroups rules")
            continue
        extra = [u for u, ok in verdicts.items() if not ok]
        if extra:
            names = sorted(stack.by_urn[u].name if u in stack.by_urn else u for u in extra)
            yield Finding(r.urn, f"{prop}.securityGroups adds {', '.join(names)}, which domain '{domain.name}' does "
                                 "not use and which admits or reaches more than the domain's groups; expected the "
                                 "domain's groups, or groups open only to themselves and to what the domain's reach.")


# --- records -------------------------------------------------------------------------------------

_ACCOUNTS_PARAM = {"allowedAccounts": {"type": "array", "items": {"type": "string"}, "default": [],
                                       "description": "AWS account ids Studio may trust (Docker images, model "
                                                      "registration)."}}

RULES = (
    Rule(
        id="sagemaker-lifecycle-config-no-secrets",
        title="SageMaker Studio and notebook lifecycle configurations embed no credentials",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("IA-5(7)"), NIST("SC-28")),
        rationale=(
            "Lifecycle scripts are readable by anyone who can describe them and run on every app start. AWS access "
            "keys (AKIA.../ASIA...), secret keys, private keys, tokens, password assignments and credentials in URLs "
            "are found in the base64-decoded content and reported by kind and line, never by value (Prowler "
            "sagemaker_notebook_instance_no_secrets does this only at runtime)."
        ),
        remediation="Read secrets at run time instead: `TOKEN=$(aws secretsmanager get-secret-value --secret-id "
                    "git-token --query SecretString --output text)` in the script given to "
                    "`aws.sagemaker.StudioLifecycleConfig(studio_lifecycle_config_content=...)`.",
        checks=(_lifecycle_secrets,),
        resource_types=tuple(_LIFECYCLE_CONTENT),
        tags=("sagemaker", "secrets"),
    ),
    Rule(
        id="sagemaker-notebook-imdsv2",
        title="SageMaker notebook instances require IMDSv2",
        severity="medium",
        enforcement="mandatory",
        frameworks=(NIST("AC-3"), NIST("SC-7")),
        rationale=(
            "With IMDSv1 allowed (AWS's default on CreateNotebookInstance), one server-side request forgery in "
            "notebook code hands out the execution role's credentials, and with them the datasets (Checkov "
            "CKV_AWS_371)."
        ),
        remediation='Set `instance_metadata_service_configuration={"minimum_instance_metadata_service_version": "2"}` '
                    "on `aws.sagemaker.NotebookInstance`.",
        checks=(_notebook_imdsv2,),
        resource_types=(NOTEBOOK,),
        tags=("sagemaker", "credentials"),
    ),
    Rule(
        id="sagemaker-notebook-supported-platform",
        title="SageMaker notebook instances run on a supported platform",
        severity="medium",
        enforcement="advisory",
        frameworks=(FSBP("SageMaker.8"), AWS_CONFIG("sagemaker-notebook-instance-platform-version"), NIST("SI-2")),
        rationale=(
            "notebook-al1-v1, notebook-al2-v1 and notebook-al2-v2 are deprecated and get no security updates; "
            "notebook-al2-v3 and notebook-al2023-v1 are current (Security Hub SageMaker.8 accepts only "
            "notebook-al2023-v1: add supportedPlatforms to match it). Unset means the provider's default, a "
            "supported platform. Advisory: hygiene, not a data path."
        ),
        remediation='Set `platform_identifier="notebook-al2023-v1"` on `aws.sagemaker.NotebookInstance`.',
        checks=(_notebook_platform,),
        resource_types=(NOTEBOOK,),
        params={"supportedPlatforms": {"type": "array", "items": {"type": "string"},
                                       "default": ["notebook-al2-v3", "notebook-al2023-v1"],
                                       "description": "Platform identifiers accepted."}},
        tags=("sagemaker", "patching"),
    ),
    Rule(
        id="sagemaker-domain-docker-restricted",
        title="SageMaker Studio Docker access is off, or limited to allowed accounts",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("CM-7"), NIST("SA-12")),
        rationale=(
            "Docker in Studio lets users build and run arbitrary containers with the execution role, and pull "
            "images from the accounts in vpcOnlyTrustedAccounts. AWS leaves it DISABLED when unset; enabled, every "
            "trusted account must be one of allowedAccounts."
        ),
        remediation='Leave Docker off: `domain_settings={"docker_settings": {"enable_docker_access": "DISABLED"}}` on '
                    "`aws.sagemaker.Domain`.",
        checks=(_domain_docker,),
        resource_types=(DOMAIN,),
        params=_ACCOUNTS_PARAM,
        tags=("sagemaker", "supply-chain"),
    ),
    Rule(
        id="sagemaker-studio-settings-not-weakened",
        title="Studio domain, user-profile and space settings open no path around the domain's controls",
        severity="high",
        enforcement="mandatory",
        frameworks=(NIST("AC-3"), NIST("AC-6"), NIST("SC-28")),
        rationale=(
            "Settings blocks (defaultUserSettings, defaultSpaceSettings, userSettings, spaceSettings) override the "
            "domain per user or space. Each of these reopens a data path: a POSIX uid/gid 0 (root in the app), "
            "mounting an EFS/FSx file system other than approved ones (another team's files), a shared space (every "
            "profile of the domain reads it), Canvas workspace artifacts without a KMS key, Canvas model "
            "registration through another account, credentials embedded in a code-repository URL. Sharing settings "
            "are judged by sagemaker-domain-sharing-restricted and sagemaker-user-profile-sharing-restricted."
        ),
        remediation="Keep overrides to the execution role and the domain's security groups:\n\n"
                    "    aws.sagemaker.UserProfile(\"alice\", domain_id=domain.id, user_profile_name=\"alice\",\n"
                    "        user_settings={\"execution_role\": role.arn, \"security_groups\": [studio_sg.id]})",
        checks=(_studio_settings,),
        resource_types=tuple(_SETTINGS),
        params={
            **_ACCOUNTS_PARAM,
            "allowedFileSystemIds": {"type": "array", "items": {"type": "string"}, "default": [],
                                     "description": "EFS/FSx file systems that Studio settings may mount."},
            "allowSharedSpaces": {"type": "boolean", "default": False,
                                  "description": "Accept spaces with sharingType 'Shared'."},
        },
        tags=("sagemaker", "data-protection"),
    ),
    Rule(
        id="sagemaker-studio-security-groups-within-domain",
        title="Studio user profiles and spaces use the domain's security groups or groups no more open than them",
        severity="medium",
        enforcement="mandatory",
        frameworks=(NIST("SC-7"),),
        stack=True,
        rationale=(
            "A user profile or space that lists its own securityGroups replaces the domain's for its apps: a group "
            "with open egress or extra ingress reopens the network path the domain closed. A group of its own per "
            "team is what AWS advises to keep teams' apps apart in a VpcOnly domain, so an added group passes when "
            "it admits only itself (and what the domain's groups admit) and reaches only itself and what the "
            "domain's groups reach (ports are not compared). Groups and rule peers are compared by property "
            "dependency (URNs, known in a first preview) or by known id; a profile without an override passes."
        ),
        remediation="Set `security_groups` on profiles and spaces to the domain's groups "
                    "(`user_settings={\"security_groups\": [studio_sg.id], ...}`).",
        checks=(_security_groups_within_domain,),
        tags=("sagemaker", "network"),
    ),
)
