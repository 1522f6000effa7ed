"""Entry point of the pack directory: `pulumi policy publish` uploads this directory, and the
language host runs `python -u -m pulumi.policy <engine> <this dir>`, i.e. this file.

It loads this directory as the package `ml_dataset_governance.policies` whether or not that is
installed (under a synthetic parent module when the distribution is absent, as in a published
pack whose venv holds only requirements.txt), so the files beside it are the ones that run.
"""

import importlib.util
import sys
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "ml_dataset_governance.policies"


def load_package() -> types.ModuleType:
    # runpy put this directory first on sys.path; its modules (config, model, server...) must not
    # be importable as top-level names that could shadow someone else's.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    parent_name = PACKAGE.rsplit(".", 1)[0]
    parent = sys.modules.get(parent_name)
    if parent is None:
        parent = types.ModuleType(parent_name, "Synthetic parent of the policy pack loaded from its directory.")
        parent.__path__ = []
        sys.modules[parent_name] = parent
    spec = importlib.util.spec_from_file_location(PACKAGE, HERE / "__init__.py", submodule_search_locations=[str(HERE)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    parent.policies = package
    return package


load_package()

from ml_dataset_governance.policies.pack import serve  # noqa: E402 - the package is loaded just above

serve()
