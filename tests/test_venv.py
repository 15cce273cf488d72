"""tools/make-venv: the project's virtualenv sees the system's packages through plain paths."""

import os
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
