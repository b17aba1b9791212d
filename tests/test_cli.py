"""The command line in real subprocesses: exit codes, messages, nothing written on error."""

import shutil
import subprocess
import sys

import pytest
from conftest import DATA, ROOT, SECOND, run_cli


def test_check_valid_data():
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    assert "data.yaml: valid (22 sections, editions: en, az)" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["check", "--help"]])
def test_help(args):
    result = run_cli(*args)
    assert result.returncode == 0
    assert "usage: generate.py" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["build", "--bogus"], "unrecognized arguments: --bogus"),
    (["frobnicate"], "unrecognized arguments: frobnicate"),
    (["build", "--lang", "fr"], "--lang fr: not an edition of"),
    (["check", "--data", "missing.yaml"], "missing.yaml:1: cannot read the file"),
])
def test_usage_errors_exit_2(args, message, tmp_path):
    result = run_cli(*args, "--out", tmp_path / "out") if args[0] == "build" else run_cli(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def _bad_copy(tmp_path):
    text = DATA.read_text(encoding="utf-8")
    text = text.replace("printed: 56", "printed: 65", 1)
    text = text.replace("value: 2084", "value: 'many'", 1)
    shutil.copytree(ROOT / "data", tmp_path / "data", dirs_exist_ok=True)  # its tables
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["check", "build"])
def test_bad_data_lists_every_problem_and_writes_nothing(tmp_path, command):
    out = tmp_path / "out"
    extra = ["--out", out] if command == "build" else []
    result = run_cli(command, "--data", _bad_copy(tmp_path), *extra, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"{len(lines) - 1} problems found; nothing was written."
    assert len(lines) - 1 >= 2
    assert any(line.startswith("bad.yaml:") and "expected a number, got 'many'" in line
               for line in lines)
    assert any("the source prints 65, but the figures give 56.25" in line for line in lines)
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_bad_data_never_overwrites_a_good_edition(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "briefing-en.pdf"
    previous.write_bytes(b"%PDF-previous")
    result = run_cli("build", "--data", _bad_copy(tmp_path), "--out", out)
    assert result.returncode == 2
    assert previous.read_bytes() == b"%PDF-previous"
    assert sorted(p.name for p in out.iterdir()) == ["briefing-en.pdf"]


def test_debug_shows_a_traceback_for_unexpected_failures(tmp_path):
    project = tmp_path / "project"
    for name in ("report", "templates", "assets"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "generate.py", project)
    (project / "templates" / "style.css").write_text("@page { size: A4 }")
    (project / "templates" / "base.html").write_text("{{ no_such_thing }}")
    cmd = [sys.executable, str(project / "generate.py"), "build", "--data", str(SECOND),
           "--out", str(tmp_path / "o")]
    plain = subprocess.run(cmd, cwd=project, capture_output=True, text=True, timeout=120)
    assert plain.returncode == 1
    assert "error: UndefinedError: 'no_such_thing' is undefined" in plain.stderr
    assert "Traceback" not in plain.stderr
    debug = subprocess.run(cmd + ["--debug"], cwd=project, capture_output=True, text=True,
                           timeout=120)
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr
    assert not (tmp_path / "o").exists()


def test_build_one_language_of_the_second_file(tmp_path):
    result = run_cli("build", "--data", SECOND, "--out", tmp_path, "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "wrote" in result.stdout
    assert "unhcr-2024-en.pdf" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".build.lock", ".cache", "archive", "manifest.json", "unhcr-2024-en.pdf"]


def test_build_watch_and_schedule_share_the_build_options():
    from report.cli import make_parser

    shared = ["--out", "elsewhere", "--lang", "az", "--keep", "3"]
    for command in (["build"], ["watch"], ["schedule", "--every", "60"]):
        args = make_parser().parse_args([*command, *shared])
        assert (str(args.out), args.lang, args.keep) == ("elsewhere", ["az"], 3), command
    for command in ("build", "watch"):
        assert make_parser().parse_args([command, "--keep-html"]).keep_html is True
