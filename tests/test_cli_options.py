"""Every option of every command is used: none is accepted and then ignored.

Two checks. Statically, for each command the functions its callback is built from (the command body and the
shared option decorators it is wrapped in, followed through ``__wrapped__``) must read each of the command's
parameters: as a name in the code or as a string key (``kwargs.get("peers")``). Dynamically, the option
combinations that were once accepted and ignored (``rank --measure charge_rate --funnel ...``) change the
output or are refused with exit code 2 (tests/test_outcomes_cli.py has the figures).
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import click

from crimestat.cli import main


def _commands(group: click.Group, prefix: str = ""):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")
        yield f"{prefix}{name}", command


def _reads(function) -> set[str]:
    """The names a function's body reads and the string constants it uses, with its signature left out."""
    # The code object, not the function: inspect follows __wrapped__ from a function to what it wraps.
    tree = ast.parse(textwrap.dedent(inspect.getsource(function.__code__)))
    definition = tree.body[0]
    assert isinstance(definition, ast.FunctionDef)
    used: set[str] = set()
    for statement in definition.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.add(node.value)
            elif isinstance(node, ast.keyword) and node.arg:
                used.add(node.arg)
    return used


def _chain(callback) -> list:
    functions = []
    while callback is not None:
        functions.append(callback)
        callback = getattr(callback, "__wrapped__", None)
    return functions


def _wrapper_functions(callback) -> list:
    """The callback and the wrappers between it and the command body, whose closures hold the real code."""
    found = []
    for function in _chain(callback):
        found.append(function)
        for cell in function.__closure__ or ():
            value = cell.cell_contents
            if inspect.isfunction(value) and value not in found:
                found.append(value)
    return found


def test_every_option_of_every_command_is_read():
    ignored = []
    for name, command in _commands(main):
        if command.callback is None:
            continue
        read: set[str] = set()
        for function in _wrapper_functions(command.callback):
            try:
                read |= _reads(function)
            except (OSError, TypeError):
                continue
        for param in command.params:
            if param.name and param.name not in read and param.name not in ("help", "version"):
                ignored.append(f"{name} {param.opts[0]}")
    assert ignored == []


def test_the_walk_finds_an_ignored_option():
    # The check itself can fail: a command with an option its body never reads is reported.
    @click.command()
    @click.option("--used")
    @click.option("--ignored")
    def demo(used, ignored):
        print(used)

    read = set().union(*(_reads(f) for f in _wrapper_functions(demo.callback)))
    assert "used" in read and "ignored" not in read
