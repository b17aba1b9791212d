"""The examples in examples/ build as shipped, with no warning."""

import pytest
from conftest import ROOT, run_cli

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def test_there_are_a_one_and_a_two_language_example():
    names = [path.name for path in EXAMPLES]
    assert "operational-update.yaml" in names
    assert "fact-sheet.yaml" in names


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_builds(tmp_path, example):
    result = run_cli("build", "--data", example, "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.count("wrote ") >= 1
    assert all(path.read_bytes().startswith(b"%PDF-") for path in tmp_path.glob("*.pdf"))
