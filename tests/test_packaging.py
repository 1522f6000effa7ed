"""pyproject.toml lists every package explicitly (the directories map to installed names under
`ml_dataset_governance.*`), so a new package directory missing from the list would silently be left out of
the wheel. This compares the list with the tree."""

from __future__ import annotations

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _installed_name(directory: Path, package_dir: dict[str, str]) -> str:
    relative = directory.relative_to(ROOT).as_posix()
    for name, source in sorted(package_dir.items(), key=lambda item: -len(item[1])):
        if relative == source or relative.startswith(source + "/"):
            return name + relative[len(source):].replace("/", ".")
    return relative.replace("/", ".")


def test_every_package_directory_is_listed_in_pyproject():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    package_dir = setuptools["package-dir"]
    # A package is a directory holding Python modules (mlgov itself is a namespace package, with no __init__).
    found = {_installed_name(module.parent, package_dir)
             for top in ("mlgov", *package_dir.values())
             for module in (ROOT / top).rglob("*.py") if "__pycache__" not in module.parts}
    assert found == set(setuptools["packages"])
