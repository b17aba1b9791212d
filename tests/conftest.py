"""Shared test helpers: the project root, a CLI runner (real subprocess), built editions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data.yaml"
SECOND = ROOT / "tests" / "data" / "second.yaml"


def copy_tables(folder: Path) -> None:
    """Put the table files of data.yaml (data/) and of the second briefing beside a copy."""
    shutil.copytree(ROOT / "data", Path(folder) / "data", dirs_exist_ok=True)
    shutil.copy(SECOND.parent / "second-population.csv", folder)


def run_cli(*args, cwd=ROOT, env=None, timeout=240):
    """Run `python generate.py ARGS` in a real subprocess; return the CompletedProcess."""
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), *map(str, args)],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Both editions of data.yaml, built once by the real CLI with --keep-html."""
    out = tmp_path_factory.mktemp("out")
    result = run_cli("build", "--out", out, "--keep-html")
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.fixture(scope="session")
def built_second(tmp_path_factory):
    out = tmp_path_factory.mktemp("second")
    result = run_cli("build", "--data", SECOND, "--out", out)
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.fixture(scope="session")
def editions(tmp_path_factory):
    """data.yaml's editions built once, without --keep-html (the options `send` builds with),
    so that `send` finds them up to date."""
    out = tmp_path_factory.mktemp("editions")
    result = run_cli("build", "--out", out)
    assert result.returncode == 0, result.stderr
    return out
