"""Reads a Pulumi project as the CLI does: `Pulumi.yaml` (name, runtime, `main`, project config) and
`Pulumi.<stack>.yaml` (stack config).

Config keys come out namespaced as Pulumi hands them to programs and packs: a bare key gets the
project's namespace (`catalog` -> `proj:catalog`), `aws:region` stays as written. Structured values
stay Python objects here; `run_program` and the pack's `PULUMI_CONFIG` pass them as JSON strings,
as Pulumi does. `secure:` values cannot be decrypted offline: they are left out and reported as a
warning, never a crash (a program that requires one fails with its own clear error).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Project", "ProjectError", "load_project", "namespaced"]


class ProjectError(Exception):
    """The directory is not a Pulumi project the gate can run."""


@dataclass
class Project:
    dir: Path
    name: str
    stack: str
    program: Path  # the directory holding __main__.py, or a .py file
    config: dict[str, Any] = field(default_factory=dict)  # "ns:key" -> value (structured values as objects)
    secure_keys: list[str] = field(default_factory=list)  # left out: encrypted, unavailable offline
    stack_file: Path | None = None  # None when Pulumi.<stack>.yaml does not exist
    warnings: list[str] = field(default_factory=list)
    secret_keys: list[str] = field(default_factory=list)  # given in plaintext (--config-secret): marked secret

    def to_json(self) -> dict[str, Any]:
        return {"dir": str(self.dir), "name": self.name, "stack": self.stack, "program": str(self.program),
                "config": self.config, "secure_keys": self.secure_keys,
                "stack_file": str(self.stack_file) if self.stack_file else None, "warnings": self.warnings,
                "secret_keys": self.secret_keys}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Project:
        return cls(dir=Path(data["dir"]), name=data["name"], stack=data["stack"], program=Path(data["program"]),
                   config=dict(data["config"]), secure_keys=list(data["secure_keys"]),
                   stack_file=Path(data["stack_file"]) if data.get("stack_file") else None,
                   warnings=list(data["warnings"]), secret_keys=list(data["secret_keys"]))

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        """A `--config KEY=VALUE` from the command line: over the stack file, as `pulumi config set` would be.
        A secret is handed to the program as a secret (and redacted from reports)."""
        key = namespaced(key, self.name)
        if key in self.secure_keys:
            self.secure_keys.remove(key)
            self.warnings = [w for w in self.warnings if f"'{key}'" not in w]
        self.config[key] = value
        if secret and key not in self.secret_keys:
            self.secret_keys.append(key)

    def pulumi_config(self) -> dict[str, str]:
        """The config as the engine passes it (`PULUMI_CONFIG`): every value a string, objects as JSON."""
        import json

        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in self.config.items()}


def namespaced(key: str, project: str) -> str:
    """Pulumi's rule: a key without a namespace belongs to the project."""
    return key if ":" in key else f"{project}:{key}"


def _read_yaml(path: Path, what: str) -> Any:
    import yaml

    try:
        text = path.read_text()
    except OSError as exc:
        raise ProjectError(f"cannot read {what} {path}: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        detail = str(exc).replace("\n", " ")
        raise ProjectError(f"{path} is not valid YAML: {detail}") from None


def _is_secure(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"secure"} and isinstance(value.get("secure"), str)


def _contains_secure(value: Any) -> bool:
    if _is_secure(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secure(v) for v in value)
    return False


def _project_config_value(value: Any) -> tuple[bool, Any]:
    """A `Pulumi.yaml` `config:` entry: a plain value, or a declaration with `default` / `value`."""
    if isinstance(value, Mapping) and ("type" in value or "default" in value or "value" in value
                                       or "description" in value or "secret" in value):
        if "value" in value:
            return True, value["value"]
        if "default" in value:
            return True, value["default"]
        return False, None
    return True, value


def load_project(project_dir: str | Path, stack: str = "dev") -> Project:
    """Read `Pulumi.yaml` and `Pulumi.<stack>.yaml`; raises ProjectError with a one-line reason."""
    root = Path(project_dir).expanduser()
    if not root.exists():
        raise ProjectError(f"project directory {root} does not exist")
    if not root.is_dir():
        raise ProjectError(f"{root} is not a directory")
    root = root.resolve()
    spec_path = next((root / n for n in ("Pulumi.yaml", "Pulumi.yml") if (root / n).is_file()), None)
    if spec_path is None:
        raise ProjectError(f"no Pulumi.yaml in {root}; not a Pulumi project (pass the project directory)")
    spec = _read_yaml(spec_path, "project file")
    if not isinstance(spec, Mapping):
        raise ProjectError(f"{spec_path} must be a YAML mapping with at least `name` and `runtime`")
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProjectError(f"{spec_path} has no project `name`")
    runtime = spec.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise ProjectError(f"{spec_path}: runtime is {runtime_name!r}; the gate runs Python programs only")

    main = spec.get("main")
    if main is not None and not isinstance(main, str):
        raise ProjectError(f"{spec_path}: `main` must be a path")
    program = (root / main).resolve() if main else root
    if program.is_dir():
        if not (program / "__main__.py").is_file():
            raise ProjectError(f"program directory {program} has no __main__.py")
    elif not (program.is_file() and program.suffix == ".py"):
        raise ProjectError(f"{spec_path}: main {main!r} is neither a directory with __main__.py nor a .py file")

    project = Project(dir=root, name=name, stack=stack, program=program)

    # Project-level config (Pulumi.yaml `config:`), then the stack's file on top.
    declared = spec.get("config")
    if isinstance(declared, Mapping):
        for key, value in declared.items():
            present, resolved = _project_config_value(value)
            if present:
                _set(project, namespaced(str(key), name), resolved, spec_path.name)
    if spec.get("environment") or spec.get("imports"):
        project.warnings.append(f"{spec_path.name}: ESC environments are not resolved offline")

    config_dir = spec.get("stackConfigDir")
    base = (root / config_dir) if isinstance(config_dir, str) and config_dir else root
    stack_path = next((base / f"Pulumi.{stack}.{ext}" for ext in ("yaml", "yml")
                       if (base / f"Pulumi.{stack}.{ext}").is_file()), None)
    if stack_path is not None:
        project.stack_file = stack_path
        data = _read_yaml(stack_path, "stack config")
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ProjectError(f"{stack_path} must be a YAML mapping")
        config = data.get("config") or {}
        if not isinstance(config, Mapping):
            raise ProjectError(f"{stack_path}: `config` must be a mapping of keys to values")
        for key, value in config.items():
            _set(project, namespaced(str(key), name), value, stack_path.name)
        if data.get("environment"):
            project.warnings.append(f"{stack_path.name}: ESC environments are not resolved offline")
    else:
        project.warnings.append(f"no stack config file Pulumi.{stack}.yaml in {base}: the program runs with "
                                "project config only (pass --stack, or --config KEY=VALUE)")
    return project


def _set(project: Project, key: str, value: Any, origin: str) -> None:
    if _contains_secure(value):
        project.config.pop(key, None)
        if key not in project.secure_keys:
            project.secure_keys.append(key)
            project.warnings.append(f"{origin}: config '{key}' is a secret (secure:) and cannot be decrypted "
                                    "offline; it is unavailable to the program and the pack (give it with "
                                    "--config-secret KEY=VALUE)")
        return
    if key in project.secure_keys:
        project.secure_keys.remove(key)
        project.warnings = [w for w in project.warnings if f"'{key}'" not in w]
    project.config[key] = value
