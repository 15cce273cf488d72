"""tools/make-venv: the project's virtualenv sees the system's packages through plain paths."""

import os
import signal
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEM_PYTHON = "/usr/bin/python3"


def run(*argv):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True).stdout


def test_a_venv_of_an_older_checkout_is_made_one_without_system_site_packages(tmp_path):
    """A venv made with --system-site-packages runs every .pth hook of the system's site
    directories at each start; make-venv turns it into one that lists those directories in
    one .pth file of plain paths: the same sys.path, the system's bindings importable."""
    venv = str(tmp_path / "venv")
    python = os.path.join(venv, "bin", "python")
    run(SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", "--without-pip", venv)
    before = run(python, "-c", "import sys; print('\\n'.join(sys.path))").split()
    run(SYSTEM_PYTHON, os.path.join(ROOT, "tools", "make-venv"), venv)
    with open(os.path.join(venv, "pyvenv.cfg")) as f:
        assert "include-system-site-packages = false" in f.read()
    after = run(python, "-c", "import sys; print('\\n'.join(sys.path))").split()
    assert after == before
    system = run(SYSTEM_PYTHON, "-c", "import site; print('\\n'.join(site.getsitepackages()))").split()
    assert [p for p in after if p in system] == [p for p in system if os.path.isdir(p)]
    run(python, "-c", "import rpm, solv, createrepo_c, libcomps")
    # a venv's own site directory still runs its .pth files (punji's editable install is one)
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip()
    with open(os.path.join(purelib, "zz-probe.pth"), "w") as f:
        f.write("import os; os.environ['PROBE'] = 'ran'\n")
    assert run(python, "-c", "import os; print(os.environ.get('PROBE'))").strip() == "ran"


def made_venv(tmp_path):
    venv = str(tmp_path / "venv")
    run(SYSTEM_PYTHON, "-m", "venv", "--without-pip", venv)
    run(SYSTEM_PYTHON, os.path.join(ROOT, "tools", "make-venv"), venv)
    return os.path.join(venv, "bin", "python")


def script(tmp_path, name, python, body):
    path = str(tmp_path / name)
    with open(path, "w") as f:
        f.write("#!%s\n%s\n" % (python, body))
    os.chmod(path, 0o755)
    return path


INTERRUPTED_AT_ONCE = "import os, signal, time; os.kill(os.getpid(), signal.SIGINT); time.sleep(5)"


def test_a_ctrl_c_as_a_punji_console_script_starts_ends_it_without_a_traceback(tmp_path):
    """pip's console script imports re before punji_lib, whose first line makes Ctrl-C quiet: a
    Ctrl-C in between (a plain make's group interrupted as it starts its commands) printed
    Python's KeyboardInterrupt traceback. The venv's own .pth hook makes it quiet from the
    script's first line; another script of the venv, or one started with SIGINT ignored, is
    left as Python has it."""
    python = made_venv(tmp_path)
    done = subprocess.run([script(tmp_path, "punji-probe", python, INTERRUPTED_AT_ONCE)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert (done.returncode, done.stderr) == (-signal.SIGINT, "")
    other = subprocess.run([script(tmp_path, "probe", python, INTERRUPTED_AT_ONCE)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert other.returncode == -signal.SIGINT and "KeyboardInterrupt" in other.stderr
    ignoring = subprocess.run([script(tmp_path, "punji-probe2", python,
                                      "import os, signal; os.kill(os.getpid(), signal.SIGINT); print('on')")],
                              stdout=subprocess.PIPE, text=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert (ignoring.returncode, ignoring.stdout) == (0, "on\n")
