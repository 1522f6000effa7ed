"""mlgov.program: a program run under mocks, recorded as the engine would receive it, with declaring lines."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from mlgov.program import ProgramError, run_main, run_program

HELPER_LIB = '''
import pulumi_aws as aws


def bucket_with_defaults(name):
    return aws.s3.Bucket(name, tags={"made-by": "helper"})
'''

COMPONENT = '''
import pulumi
import pulumi_aws as aws


class Team(pulumi.ComponentResource):
    def __init__(self, name):
        super().__init__("acme:index:Team", name, None, None)
        self.key = aws.kms.Key(f"{name}-key", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
'''

MAIN = '''
import pulumi_aws as aws
from helperlib import bucket_with_defaults
from team import Team

aws.s3.Bucket("direct")
Team("ml")
bucket_with_defaults("via-helper")
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    lib = tmp_path / "venv" / "lib" / "site-packages"
    lib.mkdir(parents=True)
    (lib / "helperlib.py").write_text(HELPER_LIB)  # an installed library, like awsx
    monkeypatch.syspath_prepend(str(lib))
    prog = tmp_path / "prog"
    prog.mkdir()
    (prog / "team.py").write_text(COMPONENT)
    (prog / "__main__.py").write_text(MAIN)
    yield prog
    for name in ("helperlib", "team"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize("preview", [True, False])
def test_each_resource_carries_the_user_statement_that_declared_it(project, preview):
    run = run_program(lambda: run_main(project, project), project="p", preview=preview)
    main, team = str(project / "__main__.py"), str(project / "team.py")
    where = {r.name: (r.source.file, r.source.line) if r.source else None for r in run.resources}
    assert where["direct"] == (main, 6)
    assert where["ml"] == (main, 7)  # the component, where the program instantiates it
    assert where["ml-key"] == (team, 9)  # its child, in the component's own (user) code
    assert where["via-helper"] == (main, 8)  # a library helper: the user's call, not the library's line
    assert where["p-dev"] is None  # the Stack is nobody's statement


def test_a_failing_program_names_the_user_line(tmp_path):
    prog = tmp_path / "fails"
    prog.mkdir()
    (prog / "__main__.py").write_text(textwrap.dedent('''
        import pulumi_aws as aws

        bucket = aws.s3.Bucket("b")
        bucket.arn.apply(lambda arn: {}["missing-" + arn])
    '''))
    with pytest.raises(ProgramError) as err:
        run_program(lambda: run_main(prog, prog), project="p", preview=False)
    assert err.value.location is not None
    assert (Path(err.value.location.file).name, err.value.location.line) == ("__main__.py", 5)
    assert "KeyError" in err.value.message


def test_a_failure_computing_a_resource_s_inputs_names_the_resource(tmp_path):
    prog = tmp_path / "fails-in-input"
    prog.mkdir()
    (prog / "__main__.py").write_text(textwrap.dedent('''
        import pulumi_aws as aws

        bucket = aws.s3.Bucket("b")
        aws.s3.BucketPolicy("p", bucket=bucket.id,
                            policy=bucket.arn.apply(lambda arn: {}["missing-" + arn]))
    '''))
    with pytest.raises(ProgramError) as err:
        run_program(lambda: run_main(prog, prog), project="p", preview=False)
    assert err.value.location.line == 6
    assert err.value.message.endswith("(while computing the inputs of aws:s3/bucketPolicy:BucketPolicy 'p')")
