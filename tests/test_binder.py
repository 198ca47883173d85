"""The repository runs on Binder as it is.

Binder builds the image with repo2docker, whose Python buildpack
(``repo2docker/buildpacks/python/__init__.py`` in jupyterhub/repo2docker, with pyproject.toml
support since its pull request #1444) does, for a repository like this one:

1. reads the Python version from ``runtime.txt`` (``python-3.11``), and refuses to build if
   it is outside ``requires-python`` of ``pyproject.toml``;
2. runs ``pip install --no-cache-dir -r requirements.txt`` in the kernel's environment;
3. because there is a ``setup.py``, or a ``pyproject.toml`` with both ``[project]`` and
   ``[build-system]``, and no ``binder/`` (or ``.binder/``) folder, runs
   ``pip install --no-cache-dir .``: a regular, not an editable, install of derivlib.

A ``binder/`` folder would replace the root files (requirements.txt and runtime.txt would be
read from it, and the package would not be installed). Binder does not read constraints.txt:
the environment is what requirements.txt alone resolves to.

So the requirements are split by who needs them while repo2docker keeps reading the root
files: ``requirements.txt`` is the reader's set (what the chapters import: NumPy, SciPy,
SymPy, Matplotlib, ipywidgets, ipykernel, scikit-learn), and ``requirements-dev.txt`` holds
what only development and the tests need (the site's Sphinx stack, Jupytext, the reference
libraries hmmlearn, pykalman and filterpy, pytest, nbval, ruff, Playwright); repo2docker
never reads it. A chapter's comparison with a reference library checks that the library is
importable and otherwise prints that the comparison needs the test requirements.

The slow test below does steps 2 and 3 in a fresh virtual environment built from the Python
that runtime.txt names, on a copy of the repository's files (``git ls-files``: what a commit
holds, so that the working tree's ``src`` cannot be imported by accident), then executes a
chapter with that environment's ``jupyter``. pip's cache is used, so a second run does not
download again. Binder's own image also has JupyterLab and the notebook server, which are not
needed to execute a notebook and are not installed here; only nbclient (``jupyter execute``,
which the image has through its notebook server) is, at the version of constraints.txt. The
chapters executed are the two whose "Check against a library" cells need a reference library
that the reader's set does not have: they must run, skip those comparisons with a note, and
display the same derivations as the committed notebooks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# Chapters whose comparisons need reference libraries that only requirements-dev.txt has.
CHAPTERS = ("chapters/sequences/hmm.ipynb", "chapters/sequences/kalman.ipynb")
REFERENCES = ("hmmlearn", "pykalman", "filterpy")
SKIPPED = "needs the test requirements (pip install -r requirements-dev.txt); skipped."


def _runtime_version() -> str:
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+\.\d+)(\.\d+)?", runtime)
    assert match, f"runtime.txt must read python-X.Y for repo2docker, got {runtime!r}"
    return match.group(1)


def test_repo2docker_reads_the_root_files():
    for folder in ("binder", ".binder"):
        assert not (ROOT / folder).exists(), (
            f"a {folder}/ folder makes repo2docker ignore the root requirements.txt, "
            "runtime.txt and pyproject.toml"
        )
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "project" in pyproject and "requires" in pyproject["build-system"], (
        "repo2docker installs the package only if pyproject.toml has [project] and [build-system]"
    )
    version = _runtime_version()
    assert Version(version) in SpecifierSet(pyproject["project"]["requires-python"]), (
        "repo2docker refuses a runtime.txt version outside requires-python"
    )
    lines = [line.split("#", 1)[0].strip()
             for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()]
    local = [line for line in lines if line.startswith(("-e", ".", "/", "file:"))]
    assert not local, f"repo2docker installs the package itself; remove {local}"


def _files() -> list[str]:
    """The repository's files as a commit would hold them (tracked, plus new unignored ones)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.split("\0")
    return sorted({name for name in listed if name and (ROOT / name).is_file()})


def _run(args, *, cwd, env, timeout, what):
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout, check=False)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, (
        f"{what} failed ({' '.join(map(str, args))}):\n{result.stdout[-4000:]}\n"
        f"{result.stderr[-4000:]}"
    )
    return result, elapsed


def _latex_outputs(nb) -> list[str]:
    return [
        "".join(o["data"]["text/latex"])
        for cell in nb.cells if cell.cell_type == "code"
        for o in cell.get("outputs", []) if "text/latex" in o.get("data", {})
    ]


@pytest.mark.slow
def test_binder_environment_installs_and_runs_a_chapter(tmp_path):
    """requirements.txt, then the package, in a clean venv; then two chapters execute in it."""
    python = shutil.which(f"python{_runtime_version()}")
    assert python, f"python{_runtime_version()} (runtime.txt) is not on PATH"

    repo = tmp_path / "book"
    for name in _files():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)

    # Nothing of the project's environment leaks in: no .venv, no constraints, no PYTHONPATH,
    # no kernelspecs of other environments (the kernel must be this environment's python).
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "JUPYTER", "CONDA"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(ROOT)))
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["JUPYTER_PATH"] = env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")
    env["MPLBACKEND"] = "Agg"
    venv = tmp_path / "env"
    bin_ = venv / "bin"
    timings = {}

    _, timings["venv"] = _run([python, "-m", "venv", str(venv)], cwd=tmp_path, env=env,
                              timeout=300, what="python -m venv")
    env["PATH"] = os.pathsep.join([str(bin_), env["PATH"]])
    _, timings["requirements.txt"] = _run(
        [bin_ / "python", "-m", "pip", "install", "-q", "-r", "requirements.txt"],
        cwd=repo, env=env, timeout=3000, what="pip install -r requirements.txt")
    _, timings["pip install ."] = _run(
        [bin_ / "python", "-m", "pip", "install", "-q", "."],
        cwd=repo, env=env, timeout=600, what="pip install .")
    _run([bin_ / "python", "-m", "pip", "check"], cwd=repo, env=env, timeout=300,
         what="pip check (requirements.txt alone must resolve to a consistent environment)")

    # The reader's set has no reference library (they are test requirements).
    probe, _ = _run([bin_ / "python", "-c",
                     "import importlib.util, json; "
                     f"print(json.dumps([n for n in {REFERENCES!r} "
                     "if importlib.util.find_spec(n) is not None]))"],
                    cwd=tmp_path, env=env, timeout=120, what="find the reference libraries")
    assert json.loads(probe.stdout) == [], f"the reader's set installs {probe.stdout}"

    # derivlib comes from the environment's site-packages, not from a source tree.
    probe, _ = _run([bin_ / "python", "-c",
                     "import json, sys, derivlib; "
                     "print(json.dumps([sys.prefix, derivlib.__file__, derivlib.__version__]))"],
                    cwd=tmp_path, env=env, timeout=120, what="import derivlib")
    prefix, module, version = json.loads(probe.stdout)
    assert Path(prefix) == venv
    assert Path(module).is_relative_to(venv) and "site-packages" in module, module
    assert not Path(module).is_relative_to(repo) and not Path(module).is_relative_to(ROOT)
    assert version == tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "version"]

    # What Binder's image adds to run a notebook: nbclient, pinned as in the lock.
    nbclient = [line for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines()
                if line.lower().startswith("nbclient==")]
    assert len(nbclient) == 1, "constraints.txt must pin nbclient"
    _, timings["nbclient"] = _run(
        [bin_ / "python", "-m", "pip", "install", "-q", nbclient[0]],
        cwd=repo, env=env, timeout=600, what=f"pip install {nbclient[0]}")

    # The chapters, executed by the environment's jupyter in their folders, in place (these are
    # the copies), at the same time (one kernel each).
    start = time.perf_counter()
    runs = [(chapter, subprocess.Popen(
        [bin_ / "jupyter", "execute", "--timeout=120", "--inplace", Path(chapter).name],
        cwd=(repo / chapter).parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)) for chapter in CHAPTERS]
    for chapter, run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, (
            f"jupyter execute {chapter} failed:\n{out[-4000:]}\n{err[-4000:]}")
    timings["jupyter execute"] = time.perf_counter() - start
    for chapter in CHAPTERS:
        nb = nbformat.read(repo / chapter, as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert not errors, (chapter, errors)
        stored = nbformat.read(ROOT / chapter, as_version=4)
        # The derivations that the chapter displays are the same as in the committed chapter.
        assert _latex_outputs(nb) and _latex_outputs(nb) == _latex_outputs(stored), chapter
        # Its comparisons with the reference libraries said they were skipped, and why.
        printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                          for o in c.outputs if o.output_type == "stream")
        assert printed.count(SKIPPED) == 2, (chapter, printed[-2000:])

    # The kernel was this environment's python.
    check = tmp_path / "which.ipynb"
    probe_nb = nbformat.v4.new_notebook()
    probe_nb.cells = [nbformat.v4.new_code_cell("import sys, derivlib\nprint(sys.prefix)")]
    probe_nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(probe_nb, check)
    _run([bin_ / "jupyter", "execute", "--inplace", check.name], cwd=tmp_path, env=env,
         timeout=300, what="jupyter execute (kernel check)")
    printed = nbformat.read(check, as_version=4).cells[0].outputs[0]["text"].strip()
    assert Path(printed) == venv

    print("Binder-like build: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
          + f"; total {sum(timings.values()):.0f} s (Python {sys.version.split()[0]} for pytest)")
