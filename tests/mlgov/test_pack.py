"""mlgov.pack: the bundled pack found through its entry point, other packs by directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mlgov.pack import PackError, bundled_pack, local_pack

REPO = Path(__file__).resolve().parents[2]


def test_the_bundled_pack_is_found_by_entry_point_and_run_by_this_interpreter():
    pack = bundled_pack()
    assert (pack.dir / "PulumiPolicy.yaml").is_file() and (pack.dir / "__main__.py").is_file()
    assert pack.dir in (REPO, REPO / "policies")  # an editable install: the checkout
    assert pack.python == sys.executable
    assert pack.version  # from PulumiPolicy.yaml


def test_an_unknown_bundled_name_is_an_error():
    with pytest.raises(PackError, match="no policy pack 'nope' is installed"):
        bundled_pack("nope")


def test_a_local_pack_uses_its_virtualenv_else_this_interpreter(tmp_path):
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime:\n  name: python\n  options:\n    virtualenv: venv\n"
                                                "version: 4.5.6\n")
    assert local_pack(tmp_path).python == sys.executable  # no venv there
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").symlink_to(sys.executable)
    pack = local_pack(tmp_path)
    assert pack.python == str(tmp_path / "venv" / "bin" / "python") and pack.version == "4.5.6"


def test_not_a_pack(tmp_path):
    with pytest.raises(PackError, match="does not exist"):
        local_pack(tmp_path / "missing")
    with pytest.raises(PackError, match="no PulumiPolicy.yaml"):
        local_pack(tmp_path)
