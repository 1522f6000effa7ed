"""Entry point for `pulumi preview --policy-pack .` from the repository root: runs the pack directory."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent / "policies"), run_name="__main__")
