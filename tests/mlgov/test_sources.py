"""mlgov.sources: one interface for programs and exports, rebuildable in another process."""

from __future__ import annotations

import json

from mlgov.export import parse_export
from mlgov.project import load_project
from mlgov.sources import ExportSource, ProgramSource, from_description

PROGRAM = 'import pulumi\nimport pulumi_aws as aws\naws.s3.Bucket("b")\npulumi.export("n", pulumi.Config().get("n"))\n'


def _project(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: src\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  src:n: '3'\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    return load_project(tmp_path, "dev")


def test_a_program_source_per_mode(tmp_path):
    project = _project(tmp_path)
    project.set_config("token", "tok-secret-123", secret=True)
    for mode in ("preview", "update"):
        source = ProgramSource(project, mode)
        loaded = source.load()
        assert source.preview is (mode == "preview")
        assert [r.type for r in loaded.resources][:1] == ["pulumi:pulumi:Stack"]
        assert loaded.stack_urn == loaded.resources[0].urn
        assert "aws:s3/bucket:Bucket" in {r.type for r in loaded.resources}
        assert "tok-secret-123" in loaded.secrets  # a --config-secret is redacted from reports
        assert source.pack_config()["src:n"] == "3"


def test_sources_rebuild_from_their_description(tmp_path):
    project = _project(tmp_path)
    rebuilt = from_description(json.loads(json.dumps(ProgramSource(project, "update").describe())))
    assert isinstance(rebuilt, ProgramSource) and rebuilt.mode == "update"
    assert rebuilt.project_spec == project

    export = {"version": 3, "deployment": {"resources": [
        {"urn": "urn:pulumi:prod::legacy::pulumi:pulumi:Stack::legacy-prod", "type": "pulumi:pulumi:Stack"}]}}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(export))
    source = ExportSource(parse_export(export), str(path))
    assert (source.mode, source.project, source.stack) == ("audit", "legacy", "prod")
    again = from_description(source.describe())
    assert [r.urn for r in again.load().resources] == [r.urn for r in source.load().resources]
