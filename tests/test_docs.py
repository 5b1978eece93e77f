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
    assert commands[0] == ("python3 -m pip install -e . --config-settings editable_mode=compat && "
                           "crimestat compare --force warwickshire")
    assert commands[1] == "python3 -m pip install -e '.[test]' --config-settings editable_mode=compat && python3 -m pytest"
    ci = (ROOT / ".ci/run").read_text()
    assert commands[1] in ci


def test_readme_table_is_what_compare_prints(run):
    printed = run("compare", "--release", "ons-2019", "--force", "warwickshire", "--to", "2014-06", "--format", "table", "-q").stdout
    shown = README.split("$ crimestat compare --force warwickshire --to 2014-06 --release ons-2019\n", 1)[1]
    assert printed.startswith(shown.split("...", 1)[0])


def test_readme_current_table_is_what_the_first_command_prints(run):
    printed = run("compare", "--force", "warwickshire", "--format", "table", "-q").stdout
    shown = README.split("$ crimestat compare --force warwickshire\n", 1)[1].split("```", 1)[0]
    assert printed == shown


def test_readme_python_example_runs_beside_a_checkout_named_crimestat(tmp_path):
    """The README's Python example runs as a user's script, and prints the figures it promises; in a folder
    that also holds a checkout called `crimestat` (no __init__.py at its top) it must import the installed
    package, not the checkout folder as a namespace package."""
    import subprocess
    import sys

    (tmp_path / "crimestat" / "crimestat").mkdir(parents=True)
    (tmp_path / "crimestat" / "pyproject.toml").write_text("[project]\nname = 'crimestat'\n")
    block = README.split("## From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "example.py").write_text(block)
    done = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Warwickshire" in done.stdout and "crime_excl_fraud" in done.stdout and "50.3" in done.stdout


DOCS = ROOT / "docs"


def test_readme_is_short_and_points_to_the_docs():
    assert len(README.splitlines()) <= 300
    pages = sorted(p.name for p in DOCS.glob("*.md"))
    assert len(pages) >= 4
    for page in pages:
        assert f"docs/{page}" in README, page


def test_user_documentation_names_no_issue_numbers():
    import re

    for path in [ROOT / "README.md", *DOCS.glob("*.md")]:
        assert not re.search(r"\bissues? \d+|#\d{1,3}\b", path.read_text()), path.name


@pytest.mark.parametrize("page", ["python-api.md"])
def test_python_examples_in_the_docs_run(page, capsys):
    text = (DOCS / page).read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    assert blocks
    namespace: dict = {}
    for block in blocks:  # later blocks may use names the earlier ones made, as a reader would
        exec(compile(block, page, "exec"), namespace)
    assert "50.3" in capsys.readouterr().out
