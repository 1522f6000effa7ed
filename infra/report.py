"""Human-readable views of the catalog's access matrix."""

from __future__ import annotations

from infra.catalog import Access, Catalog, access_matrix

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
