"""Human-readable views of the catalog's access matrix."""

from __future__ import annotations

from ml_dataset_governance.infra.catalog import Access, Catalog, access_matrix

CELL = {"read": "read", "write": "write", None: "-"}


def exportable_matrix(matrix: dict[str, dict[str, Access | None]]) -> dict[str, dict[str, str]]:
    """The matrix with "none" for no access, as exported from the stack."""
    return {team: {ds: access or "none" for ds, access in row.items()} for team, row in matrix.items()}


def format_access_matrix(catalog: Catalog) -> str:
    """A plain-text table: one row per team, one column per dataset."""
    matrix = access_matrix(catalog)
    datasets = [d.name for d in catalog.datasets]
    header = ["team", *datasets]
    rows = [[team, *(CELL[matrix[team][ds]] for ds in datasets)] for team in matrix]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    """`python -m ml_dataset_governance.infra.report Pulumi.dev.yaml`: print the access matrix of a stack's catalog."""
    import argparse

    import yaml
    from ml_dataset_governance.infra.catalog import CatalogError, parse_catalog

    parser = argparse.ArgumentParser(prog="python -m ml_dataset_governance.infra.report", description=main.__doc__)
    parser.add_argument("stack_file", help="a Pulumi.<stack>.yaml holding ml-dataset-governance:catalog")
    args = parser.parse_args(argv)
    with open(args.stack_file, encoding="utf-8") as handle:
        config = (yaml.safe_load(handle) or {}).get("config") or {}
    try:
        catalog = parse_catalog(config.get("ml-dataset-governance:catalog"))
    except CatalogError as exc:
        print(f"invalid catalog: {exc}")
        return 2
    print(format_access_matrix(catalog))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
