"""The shape of the code: every module imports on its own, imports go downwards, the docs are current."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT


def module_names():
    found = []
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "punji_lib")):
        for name in files:
            if name.endswith(".py"):
                dotted = os.path.relpath(os.path.join(folder, name), ROOT)[:-3].replace(os.sep, ".")
                found.append(dotted[:-len(".__init__")] if dotted.endswith(".__init__") else dotted)
    return sorted(found)


def tool(name, *args, cwd=ROOT):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", name)] + [str(a) for a in args], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_layers_are_folders():
    names = set(module_names())
    for layer in ("config", "compose", "rpms", "media", "koji", "phases", "commands"):
        assert "punji_lib." + layer in names
    top = {name for name in os.listdir(os.path.join(ROOT, "punji_lib")) if name.endswith(".py")}
    assert top == {"__init__.py", "errors.py", "log.py", "arches.py", "ahead.py", "launcher.py",
                   "launcher_client.py", "launcher_turns.py", "interrupts.py", "tool_output.py"}  # the foundation; the rest is in folders


@pytest.mark.parametrize("module", module_names())
def test_every_module_imports_in_a_fresh_interpreter(module):
    done = subprocess.run([sys.executable, "-c", "import " + module], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 0, done.stderr


def test_imports_go_downwards_without_cycles():
    done = tool("check-imports")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def _tree(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in ("punji_lib", "punji_lib/rpms", "punji_lib/phases", "punji_lib/media"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "__init__.py").touch()
    return tmp_path


def test_check_imports_finds_a_cycle_an_upward_import_and_a_phase_importing_a_phase(tmp_path):
    root = _tree(tmp_path, {
        "punji_lib/rpms/a.py": "from . import b\n",
        "punji_lib/rpms/b.py": "def f():\n    from .a import x\n",
        "punji_lib/media/up.py": "from ..phases import one\n",
        "punji_lib/phases/one.py": "",
        "punji_lib/phases/two.py": "def g():\n    from . import one\n",
    })
    done = tool("check-imports", root)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert "check-imports: import cycle: punji_lib.rpms.a -> punji_lib.rpms.b" in lines
    assert any("punji_lib/media/up.py:1:" in line and "a layer above it" in line for line in lines), lines
    assert any("punji_lib/phases/two.py:2: phase punji_lib.phases.two imports phase punji_lib.phases.one" in line
               for line in lines), lines
    assert len(lines) == 3


def test_configuration_reference_is_up_to_date():
    done = tool("make-config-docs", "--check")
    assert done.returncode == 0, done.stderr


def test_configuration_reference_lists_every_option_of_the_table():
    sys.path.insert(0, ROOT)
    from punji_lib.config import options

    with open(os.path.join(ROOT, "docs", "configuration.md"), encoding="utf-8") as f:
        rows = {line.split("`")[1] for line in f if line.startswith("| `")}
    assert rows == {o.name for o in options.OPTIONS}


def test_a_changed_option_table_makes_the_reference_stale(tmp_path):
    stale = tmp_path / "configuration.md"
    with open(os.path.join(ROOT, "docs", "configuration.md"), encoding="utf-8") as f:
        stale.write_text(f.read().replace("| `release_name` |", "| `release_nam` |"))
    done = tool("make-config-docs", "--check", stale)
    assert done.returncode == 1
    assert "run `make docs`" in done.stderr


def test_readme_points_into_the_repository_only():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    assert "../shared" not in text
    for doc in ("docs/design.md", "docs/phases.md", "docs/configuration.md"):
        assert doc in text
        assert os.path.isfile(os.path.join(ROOT, doc))


TOOLS = sorted(name for name in os.listdir(os.path.join(ROOT, "tools"))
               if os.access(os.path.join(ROOT, "tools", name), os.X_OK) and not name.endswith(".py"))


@pytest.mark.parametrize("name", TOOLS)
def test_every_tool_helps_with_an_example_and_writes_nothing(tmp_path, name):
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    done = subprocess.run([os.path.join(ROOT, "tools", name), "--help"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "example:" in done.stdout.lower()
    assert os.listdir(tmp_path) == []
