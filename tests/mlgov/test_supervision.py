"""mlgov.supervision: children end with their process group, and die with the process that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mlgov.supervision import Interrupted, Supervisor, exit_code_for, signals_end_children

# A child that starts a grandchild in its own process group, prints the grandchild's pid, and waits.
PARENT_OF_GRANDCHILD = textwrap.dedent("""
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    print(child.pid, flush=True)
    time.sleep(120)
""")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_dead(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_terminate_ends_the_child_and_its_whole_process_group():
    supervisor = Supervisor(grace=1)
    proc = supervisor.spawn([sys.executable, "-c", PARENT_OF_GRANDCHILD], stdout=subprocess.PIPE, text=True)
    grandchild = int(proc.stdout.readline())
    assert os.getpgid(proc.pid) == proc.pid != os.getpgid(0)  # its own group, not ours
    supervisor.terminate()
    assert proc.poll() is not None and wait_dead(grandchild)


def test_a_child_dies_with_the_process_that_started_it():
    # An intermediate process spawns through a Supervisor, then is SIGKILLed: no cleanup code runs in it.
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from mlgov.supervision import Supervisor
        child = Supervisor().spawn([sys.executable, "-c", "import time; time.sleep(120)"])
        print(child.pid, flush=True)
        time.sleep(120)
    """)
    middle = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(middle.stdout.readline())
    assert alive(child)
    middle.kill()
    middle.wait()
    assert wait_dead(child), "the parent-death signal did not end the child"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_the_children_and_raises_interrupted(signum, code):
    supervisor = Supervisor(grace=1)
    previous = signal.getsignal(signum)
    proc = supervisor.spawn([sys.executable, "-c", "import time; time.sleep(120)"])
    with pytest.raises(Interrupted) as err, signals_end_children(supervisor):
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler raises here
    assert proc.poll() is not None
    assert exit_code_for(err.value.signum) == code
    assert signal.getsignal(signum) is previous  # the previous handler is back


def test_release_ends_one_child_and_forgets_it():
    supervisor = Supervisor(grace=1)
    first = supervisor.spawn([sys.executable, "-c", "import time; time.sleep(120)"])
    second = supervisor.spawn([sys.executable, "-c", "import time; time.sleep(120)"])
    supervisor.release(first)
    assert first.poll() is not None and second.poll() is None and supervisor.children() == [second]
    supervisor.terminate()
    assert second.poll() is not None
