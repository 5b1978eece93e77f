"""The exceptions crimestat raises, named after the user's mistake.

Every error carries a message a user can act on: which file, which line and column, what was found and
what was expected. ``exit_code`` follows the CLI contract: 1 for bad data, 2 for bad usage.
"""

from __future__ import annotations

from dataclasses import dataclass


class CrimestatError(Exception):
    """Base class: something the user can fix. Never a bug in crimestat.

    An error about one argument of a library call names it in the library's terms (``parameter``, such as
    ``to`` or ``population_year``) with the value given; the command line shows it as the option
    (``--to 2014-05: ...``) through :meth:`for_options`.
    """

    exit_code = 1

    def __init__(self, message: str = "", *, parameter: str | None = None, value: object = None):
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.value = value

    def _prefix(self, name: str, separator: str) -> str:
        return name + (f"{separator}{self.value}" if self.value is not None else "") + ": "

    def __str__(self) -> str:
        if self.parameter is None:
            return super().__str__()
        return self._prefix(self.parameter, "=") + self.message

    def for_options(self, options: dict[str, str]) -> str:
        """The message with the parameter shown as the command-line option that sets it."""
        if self.parameter is None:
            return str(self)
        return self._prefix(options.get(self.parameter, self.parameter), " ") + self.message


class UsageError(CrimestatError):
    """An option's value cannot be used (unknown force, period outside the data...)."""

    exit_code = 2


class UnknownForceError(UsageError):
    """A force name or code that is not in the forces registry."""


class PeriodNotCoveredError(UsageError):
    """A period the data does not cover."""


class UnknownMeasureError(UsageError):
    """A measure name that the classification does not define."""


class NoCompletePeriodError(CrimestatError):
    """The data given hold no complete 12-month period at all: a data problem (exit 1), not a usage one."""


class OutputError(CrimestatError):
    """The output file could not be written (permissions, a full disk)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located as precisely as the file allows."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file + self._place()
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"

    def _place(self) -> str:
        """Where in the file, after its name: the line (a workbook's problems say sheet and row)."""
        return f", line {self.line}" if self.line is not None else ""


class DataFileError(CrimestatError):
    """One or more problems in an input file; all of a file's problems are reported together."""

    max_shown = 20

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[: self.max_shown]]
        hidden = len(self.problems) - len(shown)
        if hidden > 0:
            shown.append(f"... and {hidden} more problem{'s' if hidden != 1 else ''} in the same file")
        super().__init__("\n".join(shown))

    @classmethod
    def single(cls, file: str, message: str, line: int | None = None, column: str | None = None):
        return cls([Problem(file, message, line, column)])


class MissingFileError(DataFileError):
    """An input file that does not exist or cannot be read."""


class MissingColumnError(DataFileError):
    """A required column is not in the file's header."""


class BadValueError(DataFileError):
    """A cell whose value is not what the column needs (a non-number, a negative count...)."""
