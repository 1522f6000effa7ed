"""Where a policy pack is and what its `PulumiPolicy.yaml` says: its version and the Python that runs it.

The bundled pack is found through the `mlgov.policy_packs` entry point of the installed distribution,
located with `importlib.util.find_spec` so no pack code runs inside the gate. Any other pack is a
directory given with `--policy-pack`; the gate knows it only through the analyzer protocol.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["BUNDLED_PACK", "ENTRY_POINT_GROUP", "PackError", "PackLocation", "bundled_pack", "local_pack",
           "read_spec"]

ENTRY_POINT_GROUP = "mlgov.policy_packs"
BUNDLED_PACK = "ml-dataset-governance"
SPEC_FILE = "PulumiPolicy.yaml"


class PackError(Exception):
    """No usable policy pack at the given place."""


@dataclass(frozen=True)
class PackLocation:
    dir: Path
    python: str  # the interpreter that runs `python -u -m pulumi.policy`

    @property
    def version(self) -> str:
        """The engine reports PulumiPolicy.yaml's version, not the SDK's placeholder ("" if none)."""
        version = read_spec(self.dir).get("version")
        return str(version) if version else ""


def read_spec(pack_dir: Path) -> dict[str, Any]:
    import yaml

    try:
        spec = yaml.safe_load((pack_dir / SPEC_FILE).read_text()) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return spec if isinstance(spec, dict) else {}


def local_pack(path: str | Path) -> PackLocation:
    """A pack directory as `pulumi preview --policy-pack DIR` takes it: its virtualenv, else the ambient Python."""
    pack_dir = Path(path).expanduser().resolve()
    if not pack_dir.is_dir():
        raise PackError(f"policy pack directory {path} does not exist")
    if not (pack_dir / SPEC_FILE).is_file():
        raise PackError(f"{path} has no {SPEC_FILE}; not a policy pack")
    return PackLocation(pack_dir, _spec_python(pack_dir) or sys.executable)


def _spec_python(pack_dir: Path) -> str | None:
    runtime = read_spec(pack_dir).get("runtime")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    if isinstance(venv, str):
        candidate = (pack_dir / venv / "bin" / "python").absolute()
        if candidate.exists():
            return str(candidate)
    return None


def bundled_pack(name: str = BUNDLED_PACK) -> PackLocation:
    """The pack installed with mlgov, run by the interpreter running mlgov (its dependencies are installed here)."""
    entry = next((ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP) if ep.name == name), None)
    if entry is None:
        raise PackError(f"no policy pack {name!r} is installed (entry point group {ENTRY_POINT_GROUP}); "
                        "pass --policy-pack DIR")
    spec = importlib.util.find_spec(entry.module)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise PackError(f"the installed policy pack {name!r} ({entry.module}) has no package directory")
    package_dir = Path(locations[0]).resolve()
    # A self-contained pack directory; in a development checkout the pack is the repository root.
    for candidate in (package_dir, package_dir.parent):
        if (candidate / SPEC_FILE).is_file() and (candidate / "__main__.py").is_file():
            return PackLocation(candidate, sys.executable)
    raise PackError(f"the installed policy pack {name!r} at {package_dir} has no {SPEC_FILE} and __main__.py; "
                    "pass --policy-pack DIR")
