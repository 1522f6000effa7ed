"""`Pulumi.yaml` and `Pulumi.<stack>.yaml` read as the Pulumi CLI reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgov.project import ProjectError, load_project, namespaced


def _project(tmp_path: Path, spec: str, stack: str | None = None, main_file: str = "__main__.py") -> Path:
    (tmp_path / "Pulumi.yaml").write_text(spec)
    if main_file:
        target = tmp_path / main_file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("")
    if stack is not None:
        (tmp_path / "Pulumi.dev.yaml").write_text(stack)
    return tmp_path


def test_namespacing():
    assert namespaced("catalog", "proj") == "proj:catalog"
    assert namespaced("aws:region", "proj") == "aws:region"
    assert namespaced("other:key", "proj") == "other:key"


def test_name_main_and_namespaced_structured_config(tmp_path):
    _project(tmp_path, "name: proj\nruntime:\n  name: python\n  options: {virtualenv: .venv}\nmain: infra/\n",
             "config:\n  aws:region: eu-west-1\n  catalog:\n    teams: [a, b]\n  count: 3\n  flag: true\n",
             main_file="infra/__main__.py")
    p = load_project(tmp_path, "dev")
    assert p.name == "proj" and p.program == (tmp_path / "infra").resolve()
    assert p.config == {"aws:region": "eu-west-1", "proj:catalog": {"teams": ["a", "b"]}, "proj:count": 3,
                        "proj:flag": True}
    # as Pulumi hands it over: strings, structured values as JSON
    assert p.pulumi_config() == {"aws:region": "eu-west-1", "proj:catalog": json.dumps({"teams": ["a", "b"]}),
                                 "proj:count": "3", "proj:flag": "true"}
    assert p.warnings == [] and p.secure_keys == []


def test_secure_values_are_reported_not_crashed_on(tmp_path):
    _project(tmp_path, "name: proj\nruntime: python\n",
             "config:\n  dbPassword:\n    secure: v1:abcdef\n  nested:\n    token:\n      secure: v1:zz\n"
             "  plain: ok\n")
    p = load_project(tmp_path)
    assert p.config == {"proj:plain": "ok"}
    assert p.secure_keys == ["proj:dbPassword", "proj:nested"]
    assert len(p.warnings) == 2 and all("cannot be decrypted offline" in w for w in p.warnings)
    assert not any("v1:" in w for w in p.warnings)


def test_project_level_config_defaults_are_overridden_by_the_stack(tmp_path):
    _project(tmp_path, "name: proj\nruntime: python\nconfig:\n  size:\n    type: integer\n    default: 2\n"
             "  region:\n    value: us-west-2\n  noDefault:\n    type: string\n", "config:\n  size: 5\n")
    p = load_project(tmp_path)
    assert p.config == {"proj:size": 5, "proj:region": "us-west-2"}


def test_missing_stack_file_means_no_config_and_a_warning(tmp_path):
    p = load_project(_project(tmp_path, "name: proj\nruntime: python\n"), "prod")
    assert p.config == {} and p.stack_file is None and p.stack == "prod"
    assert [w for w in p.warnings if w.startswith("no stack config file Pulumi.prod.yaml")]


def test_command_line_config_overrides_the_stack_file_and_supplies_secure_values(tmp_path):
    _project(tmp_path, "name: proj\nruntime: python\n", "config:\n  size: 5\n  token:\n    secure: v1:abc\n")
    p = load_project(tmp_path)
    assert "proj:token" in p.secure_keys and any("proj:token" in w for w in p.warnings)
    p.set_config("size", "7")
    p.set_config("token", "plain-secret", secret=True)
    p.set_config("aws:region", "eu-west-1")
    assert p.config == {"proj:size": "7", "proj:token": "plain-secret", "aws:region": "eu-west-1"}
    assert p.secret_keys == ["proj:token"] and p.secure_keys == []
    assert not any("proj:token" in w for w in p.warnings)  # supplied: no longer unavailable
    assert type(p).from_json(p.to_json()) == p


def test_stack_config_dir(tmp_path):
    _project(tmp_path, "name: proj\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text("config:\n  key: v\n")
    assert load_project(tmp_path).config == {"proj:key": "v"}


def test_main_may_be_a_file(tmp_path):
    _project(tmp_path, "name: proj\nruntime: python\nmain: app.py\n", main_file="app.py")
    assert load_project(tmp_path).program == (tmp_path / "app.py").resolve()


@pytest.mark.parametrize(("spec", "stack", "needle"), [
    (None, None, "no Pulumi.yaml"),
    ("name: [unclosed\n", None, "not valid YAML"),
    ("- a list\n", None, "must be a YAML mapping"),
    ("runtime: python\n", None, "no project `name`"),
    ("name: p\nruntime: nodejs\n", None, "Python programs only"),
    ("name: p\nruntime: python\nmain: nowhere/\n", None, "neither a directory"),
    ("name: p\nruntime: python\n", "config: [1, 2]\n", "`config` must be a mapping"),
    ("name: p\nruntime: python\n", "config: {a: [\n", "not valid YAML"),
])
def test_malformed_projects_raise_one_clear_error(tmp_path, spec, stack, needle):
    if spec is not None:
        _project(tmp_path, spec, stack)
    with pytest.raises(ProjectError, match=None) as info:
        load_project(tmp_path)
    assert needle in str(info.value)


def test_program_dir_without_main(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    with pytest.raises(ProjectError, match="no __main__.py"):
        load_project(tmp_path)


def test_not_a_directory(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        load_project(tmp_path / "missing")
