"""`pip install .` gives a working `briefing` command that carries its templates and assets.

The package is installed into a fresh virtualenv that sees the shared venv's libraries
through a .pth file, with --no-deps --no-build-isolation --no-index: nothing is downloaded.
It takes about half a minute (a build of one edition included); `-m "not install"` skips it.
Building the wheel needs `wheel` (or setuptools 70.1 or newer, which has bdist_wheel built
in); without either in the venv the tests are skipped and say so.
"""

import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import ROOT, SECOND


def _can_build_wheels() -> bool:
    version = importlib.metadata.version("setuptools").split(".")
    return importlib.util.find_spec("wheel") is not None or (
        tuple(int(part) for part in version[:2]) >= (70, 1))


pytestmark = [
    pytest.mark.install,
    pytest.mark.skipif(not _can_build_wheels(), reason="building a wheel offline needs the "
                       "'wheel' package (or setuptools >= 70.1) in the venv"),
]

SHIPPED = ("pyproject.toml", "setup.py", "README.md", "briefing.schema.json", "report",
           "templates", "assets")


def _copy_project(target):
    """The files a source distribution holds, without caches or build leftovers."""
    ignore = shutil.ignore_patterns("__pycache__", "_project", "*.egg-info", "build")
    for name in SHIPPED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)


def _fresh_venv(path):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    purelib = subprocess.run(
        [str(path / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
         "['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    shared = sysconfig.get_paths()["purelib"]
    with open(f"{purelib}/shared-venv.pth", "w", encoding="utf-8") as pth:
        pth.write(shared + "\n")
    return path / "bin"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("install")
    source = base / "src"
    source.mkdir()
    _copy_project(source)
    bin_dir = _fresh_venv(base / "venv")
    result = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--disable-pip-version-check", str(source)],
        capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    work = base / "work"
    work.mkdir()
    return bin_dir, work


def test_the_package_uses_its_own_copy_of_templates_and_assets(installed):
    bin_dir, work = installed
    result = subprocess.run(
        [str(bin_dir / "python"), "-c", "import report; print(report.PROJECT_ROOT)"],
        cwd=work, capture_output=True, text=True, check=True)
    root = result.stdout.strip()
    assert root.startswith(str(bin_dir.parent)), root
    assert root.endswith("report/_project"), root
    assert (Path(root) / "briefing.schema.json").is_file()


def test_briefing_builds_an_edition_outside_the_checkout(installed):
    bin_dir, work = installed
    data = work / "second.yaml"
    shutil.copy(SECOND, data)
    shutil.copy(SECOND.parent / "second-population.csv", work)  # the table it reads
    result = subprocess.run(
        [str(bin_dir / "briefing"), "build", "--data", "second.yaml", "--out", "out"],
        cwd=work, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert "wrote out/unhcr-2024-en.pdf" in result.stdout
    assert (work / "out" / "unhcr-2024-en.pdf").read_bytes().startswith(b"%PDF-")


def test_briefing_help_names_the_command(installed):
    bin_dir, work = installed
    result = subprocess.run([str(bin_dir / "briefing"), "--help"], cwd=work,
                            capture_output=True, text=True, check=True)
    assert result.stdout.startswith("usage: briefing")


def test_briefing_new_writes_a_file_the_installed_command_checks(installed):
    bin_dir, work = installed
    command = str(bin_dir / "briefing")
    result = subprocess.run([command, "new", "start.yaml", "--lang", "en,az"], cwd=work,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    first = (work / "start.yaml").read_text(encoding="utf-8").splitlines()[0]
    schema = first.removeprefix("# yaml-language-server: $schema=")
    assert (work / schema).resolve().is_file()
    check = subprocess.run([command, "check", "--data", "start.yaml"], cwd=work,
                           capture_output=True, text=True, timeout=240)
    assert check.returncode == 0, check.stderr
