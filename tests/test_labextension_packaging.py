"""The wheel carries the prebuilt JupyterLab extension, and installing it needs no Node.

One wheel is built from the checkout (the build hook builds the extension
first if it is missing, which needs Node; an already built one is reused), then
installed into a fresh venv with every node/npm/jlpm/yarn removed from PATH,
and `jupyter labextension list` run there must show jupyter-gemini enabled and OK.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

import jupyter_gemini

# Slow (a wheel build and a venv), so it runs with the kernel tests at the end.
pytestmark = pytest.mark.kernel

ROOT = Path(__file__).resolve().parent.parent
NAME = "jupyter-gemini"
SHARE = f"share/jupyter/labextensions/{NAME}"
NODE_TOOLS = ("node", "npm", "npx", "jlpm", "yarn")


def _no_node_path() -> str:
    """PATH without any directory that holds a Node tool."""
    keep = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not any(shutil.which(tool, path=d) for tool in NODE_TOOLS)
    ]
    return os.pathsep.join(keep)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = (ROOT / "jupyter_gemini" / "labextension" / "static" / "style.js").exists()
    if not built and not shutil.which("jlpm") and not shutil.which("node"):
        pytest.skip("the extension is not built and there is no Node to build it")
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)]
    # With the build backend and hook at hand, build here (fast, offline); else pip isolates the build.
    if all(importlib.util.find_spec(m) for m in ("hatchling", "hatch_jupyter_builder", "jupyter_builder")):
        command.append("--no-build-isolation")
    subprocess.run(command, check=True, cwd=ROOT, timeout=900)
    (path,) = out.glob("jupyter_gemini-*.whl")
    return path


def test_wheel_ships_the_built_extension(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        data = next(n.split("/data/", 1)[0] + "/data/" for n in names if ".data/data/" in n)
        share = data + SHARE
        package = json.loads(archive.read(f"{share}/package.json"))
        install = json.loads(archive.read(f"{share}/install.json"))
        static = [n for n in names if n.startswith(f"{share}/static/")]
    assert package["name"] == NAME
    # The version JupyterLab shows is the labextension's: keep it in step with the Python package.
    assert package["version"] == jupyter_gemini.__version__
    assert install == {
        "packageManager": "python",
        "packageName": "jupyter-gemini",
        "uninstallInstructions": install["uninstallInstructions"],
    }
    entry = package["jupyterlab"]["_build"]["load"]
    assert f"{share}/{entry}" in names  # the remote entry JupyterLab loads is there
    assert f"{share}/static/style.js" in names
    assert any(n.endswith(".js") and "remoteEntry" not in n and "style" not in n for n in static)
    # Nothing from the TypeScript side leaks into the wheel.
    assert not [n for n in names if "node_modules" in n or n.endswith(".ts") or "/labextension/src/" in n]


def test_installs_and_is_enabled_without_node(wheel: Path, tmp_path: Path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, symlinks=True)
    python = env_dir / "bin" / "python"
    path = _no_node_path()
    assert not any(shutil.which(tool, path=path) for tool in NODE_TOOLS)
    env = {
        **os.environ,
        "PATH": f"{env_dir / 'bin'}{os.pathsep}{path}",
        "HOME": str(tmp_path / "home"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("JUPYTER_PATH", None)
    env.pop("VIRTUAL_ENV", None)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        env=env,
        timeout=300,
    )
    share = env_dir / SHARE
    assert (share / "package.json").is_file()
    assert (share / "install.json").is_file()
    # JupyterLab itself is borrowed from this environment rather than downloaded: a path
    # entry (no .pth processing, so this checkout's editable install stays out of it).
    (purelib,) = {Path(p) for p in env_dir.glob("lib/python*/site-packages")}
    (purelib / "borrowed_jupyterlab.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    listing = subprocess.run(
        [python, "-m", "jupyterlab.labextensions", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
        cwd=tmp_path,
    )
    text = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr)
    assert str(share.parent) in text, text
    (line,) = [line for line in text.splitlines() if line.strip().startswith(f"{NAME} ")]
    assert re.search(rf"{NAME} v{re.escape(jupyter_gemini.__version__)} enabled OK \(python, jupyter-gemini\)", line)
    # And the package there is the wheel's, not this checkout.
    where = subprocess.run(
        [python, "-c", "import jupyter_gemini; print(jupyter_gemini.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,  # not the checkout, whose package would shadow the installed one
    ).stdout
    assert where.startswith(str(purelib)), where
