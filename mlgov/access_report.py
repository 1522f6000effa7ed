"""`mlgov access`: who can read, write, delete or manage each dataset, computed from the stack's resources.

    mlgov access [PROJECT_DIR] [--stack dev] [--export STATE] [--policy-config FILE] [--format text|json|markdown]

The resources come from running the program under mocks (update mode, so ARNs are known) or from a
`pulumi stack export` file; the catalog from the policy config's `s3-dataset-access-matches-catalog` entry and from
the stack's own config (`<project>:catalog`, when a project directory is given). Each cell that differs from the
catalog is marked. Exit codes: 0 the matrix equals the catalog, 1 at least one cell differs, 2 the matrix could not
be computed.

JSON: `{"datasets": [{"dataset", "classification", "buckets", "access": [{"principal", "levels", "granted_by",
"catalog", "expected", "differs"}], "missing": [{"catalog", "expected"}]}], "teams": {team: {dataset: [levels]}},
"catalogSource", "unknown", "unverifiable"}` — `principal` is the logical name in the program or an ARN, `levels`
a subset of read, write, delete, manage; `missing` lists catalog grants nothing in the stack provides.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml_dataset_governance.policies.access.catalog import LEVELS, CatalogError, DatasetCatalog, stack_catalog_from_env
from ml_dataset_governance.policies.access.view import AccessView, compute
from ml_dataset_governance.policies.model import Resource, Stack
from ml_dataset_governance.policies.rules.dataset_access import PARAMS, RULE_ID, expected_levels, load_catalog

FORMATS = ("text", "json", "markdown")


class AccessError(Exception):
    """The matrix cannot be computed (exit 2)."""


@dataclass
class AccessMatrix:
    view: AccessView
    catalog: DatasetCatalog

    def as_json(self) -> dict[str, Any]:
        datasets = []
        teams: dict[str, dict[str, set[str]]] = {p.name: {} for p in self.catalog.principals}
        for dataset in self.view.datasets:
            rows = []
            provided: dict[str, set[str]] = {}
            for entry in dataset.access:
                names, expected = expected_levels(self.catalog, dataset, entry)
                for name in names:
                    provided.setdefault(name, set()).update(entry.levels)
                    teams.setdefault(name, {}).setdefault(dataset.dataset.name, set()).update(entry.levels)
                rows.append({**entry.as_json(), "catalog": names, "expected": _ordered(expected),
                             "differs": bool(entry.levels - expected)})
            missing = [{"catalog": name, "expected": _ordered(levels - provided.get(name, set()))}
                       for name, levels in sorted(dataset.dataset.access.items())
                       if levels - provided.get(name, set())]
            datasets.append({"dataset": dataset.dataset.name, "classification": dataset.dataset.classification,
                             "buckets": [b.name for b in dataset.buckets], "access": rows, "missing": missing})
        return {
            "datasets": datasets,
            "teams": {team: {ds: _ordered(levels) for ds, levels in row.items()} for team, row in teams.items()},
            "catalogSource": self.catalog.source,
            "unknown": sorted(set(self.view.unknown)),
            "unverifiable": sorted(set(self.view.unverifiable)),
        }

    def differs(self) -> bool:
        data = self.as_json()
        return any(r["differs"] for d in data["datasets"] for r in d["access"]) or any(
            d["missing"] for d in data["datasets"])


def _ordered(levels: set[str]) -> list[str]:
    return [lv for lv in LEVELS if lv in levels]


def _stack_of(resources: Sequence[Any]) -> Stack:
    return Stack(Resource(type=r.type, name=r.name, urn=r.urn, props=r.outputs, parent=r.parent,
                          dependencies=tuple(r.dependencies),
                          property_dependencies={k: tuple(v) for k, v in r.property_dependencies.items()})
                 for r in resources)


def _rule_params(policy_config: str | None) -> dict[str, Any]:
    params = {k: v["default"] for k, v in PARAMS.items() if "default" in v}
    if policy_config:
        from mlgov.policy_config import PolicyConfigError, load_policy_config

        try:
            config = load_policy_config(policy_config)
        except PolicyConfigError as exc:
            raise AccessError(str(exc)) from None
        entry = config.get(RULE_ID)
        if isinstance(entry, Mapping):
            params.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
    return params


def compute_matrix(project_dir: str | None = None, *, stack: str = "dev", export: str | None = None,
                   policy_config: str | None = None) -> AccessMatrix:
    """The access matrix of a project (run under mocks) or of an export, against the catalog."""
    from mlgov.program import ProgramError, run_project
    from mlgov.project import ProjectError, load_project

    params = _rule_params(policy_config)
    environ: dict[str, str] = {}
    project = None
    if project_dir is not None:
        try:
            project = load_project(Path(project_dir), stack)
        except ProjectError as exc:
            raise AccessError(str(exc)) from None
        environ = {"PULUMI_PROJECT": project.name, "PULUMI_CONFIG": json.dumps(project.pulumi_config())}
    if export is not None:
        from mlgov.export import ExportError, load_export

        try:
            resources = load_export(export).resources
        except ExportError as exc:
            raise AccessError(str(exc)) from None
    elif project is not None:
        try:
            resources = run_project(project, preview=False).resources
        except ProgramError as exc:
            raise AccessError(str(exc)) from None
    else:
        raise AccessError("give a project directory or --export STATE")
    try:
        configured = load_catalog({**params, "useStackCatalog": False})
        from_stack = stack_catalog_from_env(environ, key=params.get("stackCatalogKey") or "catalog",
                                            dataset_tag_key=params.get("datasetTagKey") or "dataset",
                                            team_tag_key=params.get("teamTagKey") or "team") \
            if params.get("useStackCatalog", True) else None
    except CatalogError as exc:
        raise AccessError(f"the dataset catalog cannot be read: {exc}") from None
    catalog = configured.merged(from_stack) if configured else from_stack
    if catalog is None:
        raise AccessError("no dataset catalog: set one in the stack config (<project>:catalog) or in the policy "
                          f"config ({RULE_ID}.datasets)")
    return AccessMatrix(compute(_stack_of(resources), catalog), catalog)


# --- rendering -----------------------------------------------------------------------------------

def _cell(levels: Sequence[str]) -> str:
    return ",".join(levels) if levels else "-"


def _table(data: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    datasets = [d["dataset"] for d in data["datasets"]]
    rows: dict[str, dict[str, str]] = {}
    for d in data["datasets"]:
        for row in d["access"]:
            teams = [c for c in row["catalog"] if c != row["principal"]]
            label = row["principal"] + (f" ({', '.join(teams)})" if teams else "")
            mark = " !" if row["differs"] else ""
            rows.setdefault(label, {})[d["dataset"]] = _cell(row["levels"]) + mark
        for miss in d["missing"]:
            rows.setdefault(f"[catalog] {miss['catalog']}", {})[d["dataset"]] = f"missing {_cell(miss['expected'])} !"
    header = ["principal", *datasets]
    body = [[label, *(cells.get(ds, "-") for ds in datasets)] for label, cells in sorted(rows.items())]
    return header, body


def render_text(data: Mapping[str, Any]) -> str:
    header, body = _table(data)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in body), ""]
    out.append("! differs from the catalog" if any("!" in c for r in body for c in r) else
               "every cell matches the catalog")
    out += _notes(data)
    return "\n".join(out) + "\n"


def _notes(data: Mapping[str, Any]) -> list[str]:
    notes = [f"not known until update: {u}" for u in data["unknown"]]
    notes += [f"cannot be judged: {u}" for u in data["unverifiable"]]
    return notes


def render_markdown(data: Mapping[str, Any]) -> str:
    header, body = _table(data)

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace(" !", " :warning:") for c in cells) + " |"

    out = ["### Dataset access", "", row(header), "|" + "---|" * len(header), *(row(r) for r in body), ""]
    differing = [(d["dataset"], r) for d in data["datasets"] for r in d["access"] if r["differs"]]
    if differing:
        out.append("**Differs from the catalog:**")
        out += [f"- `{r['principal']}` has {_cell(r['levels'])} on `{ds}` (catalog: {_cell(r['expected'])}), "
                f"granted by {'; '.join(r['granted_by'][:3])}" for ds, r in differing]
    else:
        out.append("Every cell matches the catalog.")
    out += [f"- {n}" for n in _notes(data)]
    return "\n".join(out) + "\n"


def render(fmt: str, matrix: AccessMatrix) -> str:
    data = matrix.as_json()
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    if fmt == "markdown":
        return render_markdown(data)
    return render_text(data)
