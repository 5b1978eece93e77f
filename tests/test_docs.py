"""Docs that cannot drift: every command has help with an example and is in the README."""

import pytest

from conftest import ROOT
from crimestat.cli import main

README = (ROOT / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(main.commands))
def test_command_has_example_and_is_in_readme(run, name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "Example: crimestat " + name in result.stdout
    assert f"crimestat {name}" in README


def test_readme_starts_with_the_two_commands():
    commands = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert commands[0] == "python3 -m pip install -e . && crimestat compare --force warwickshire --to 2014-06"
    assert commands[1] == "python3 -m pip install -e '.[test]' && python3 -m pytest"
    ci = (ROOT / ".ci/run").read_text()
    assert commands[1] in ci


def test_readme_table_is_what_compare_prints(run):
    printed = run("compare", "--force", "warwickshire", "--to", "2014-06", "--format", "table", "-q").stdout
    shown = README.split("$ crimestat compare --force warwickshire --to 2014-06\n", 1)[1].split("...", 1)[0]
    assert printed.startswith(shown)


def test_readme_python_example_runs(capsys):
    block = README.split("## From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "Warwickshire" in printed and "crime_excl_fraud" in printed and "50.3" in printed
