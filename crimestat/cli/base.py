"""The command line: parse options, call the library, render. Nothing worth testing lives only here."""

from __future__ import annotations

import functools
import os
import sys
from datetime import date
from pathlib import Path

import click

from ..runtime import signals
from ..errors import CrimestatError
from ..version import __version__
from ..render import FORMATS, choose_format


class YearMonth(click.ParamType):
    """A month as YYYY-MM (or YYYY-M, or its last day YYYY-MM-DD), given as the month's last day."""

    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        from ..model import periods  # here: `--help` and `forces` need not import it (calendar, locale)

        option = param.opts[0] if param is not None and param.opts else "--to"
        try:
            return periods.parse_month(value, option.lstrip("-").replace("-", "_"))
        except CrimestatError as exc:
            # crimestat's own one-line message and exit code, not click's usage block.
            click.echo(f"crimestat: error: {exc.for_options({exc.parameter: option})}", err=True)
            ctx.exit(exc.exit_code)


YEAR_MONTH = YearMonth()


class PeriodOrRelease(click.ParamType):
    """``--if-newer-than``: a month (YYYY-MM, a 12-month period's end) or a release's name, as a job stored it."""

    name = "YYYY-MM|RELEASE"

    def convert(self, value, param, ctx):
        import re

        if isinstance(value, date) or re.fullmatch(r"\s*\d{1,4}-\d{1,2}(-\d{1,2})?\s*", str(value)):
            return YEAR_MONTH.convert(value, param, ctx)
        return str(value).strip()


PERIOD_OR_RELEASE = PeriodOrRelease()


# The library names parameters; the command line shows them as the options that set them.
OPTION_NAMES = {"group": "--group", "to": "--to", "baseline": "--baseline", "start": "--from", "population_year": "--population-year",
                "force": "--force", "measure": "--measure", "release": "--release", "measures": "--measure",
                "peers": "--peers", "per": "--per", "funnel": "--funnel", "end": "--to",
                "level": "--level", "by": "--by", "basis": "--basis"}


class Command(click.Command):
    """A command whose single-value options refuse to be given twice: click keeps only the last value, so
    `--measure A --measure B` would silently rank B alone."""

    def parse_args(self, ctx, args):
        counts: dict[str, int] = {}
        singles = {opt: param for param in self.params if isinstance(param, click.Option)
                   and not param.multiple and not param.is_flag and not param.count for opt in param.opts}
        for arg in args:
            if arg == "--":
                break
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg
            if name in singles:
                key = singles[name].name or name
                counts[key] = counts.get(key, 0) + 1
                if counts[key] == 2:
                    raise click.UsageError(f"{singles[name].opts[0]} is given more than once; it takes one value "
                                           "(only --force, --measure on compare, --la-lookup and --police-uk repeat)",
                                           ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        _note_inputs(ctx.params)
        return super().invoke(ctx)


class Group(click.Group):
    """Maps crimestat's errors to one message on stderr and the documented exit code."""

    command_class = Command
    group_class = type  # subgroups (ingest) are Groups too

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Click's own usage errors as crimestat's one line (``crimestat: error: ...``), exit 2, like every
        other error; the command's help is named rather than printed."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "crimestat"
            click.echo(f"crimestat: error: {exc.format_message()} (`{where} --help` shows the options)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"crimestat: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            sys.exit(signals.tell(2))
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CrimestatError as exc:
            if signals.signalled():
                # A signal arriving inside a parser (pandas turns it into a read error) is still a signal:
                # report it as one, not as bad data in the file being read.
                ctx.exit(signals.tell())
            for line in _error_lines(exc):
                click.echo(f"crimestat: error: {line}", err=True)
            ctx.exit(exc.exit_code)
        except (signals.Stopped, KeyboardInterrupt):
            ctx.exit(signals.tell())
        except BrokenPipeError:
            # `crimestat ... | head`: the reader left; stop quietly, as shell tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)


def _error_lines(exc: CrimestatError) -> list[str]:
    """One line per problem: a newline inside a message (a file name with one) is shown as ``\\n``."""
    from ..errors import DataFileError

    from ..runtime.log import printable

    def one_line(text: str) -> str:
        return printable(text)  # a newline is '\n', an escape sequence from a file '\x1b': never raw

    if isinstance(exc, DataFileError) and exc.parameter is None:
        shown = exc.problems[: exc.max_shown]
        lines = [one_line(str(p)) for p in shown]
        hidden = len(exc.problems) - len(shown)
        if hidden > 0:
            lines.append(f"... and {hidden} more problem{'s' if hidden != 1 else ''} in the same file")
        return lines
    return [one_line(exc.for_options(OPTION_NAMES))]


# The parameters that name files to write; every other parameter naming an existing file is an input.
_WRITTEN = frozenset({"output", "plot", "chart", "output_dir"})


def _note_inputs(params: dict) -> None:
    """Files named in a command's parsed options and arguments are inputs: ``--output`` may not write over them,
    whether or not the run comes to read them (a cached load, or a file the command turns out not to need)."""
    from ..files import note_input

    for name, value in params.items():
        if name in _WRITTEN:
            continue
        for candidate in value if isinstance(value, (list, tuple)) else (value,):
            try:
                if isinstance(candidate, (str, os.PathLike)) and str(candidate) not in ("", "-") \
                        and os.path.isfile(candidate):
                    note_input(candidate)
            except (OSError, ValueError):
                continue


class _Confidence(click.FloatRange):
    """A confidence level: a real number in the range (click's FloatRange lets ``nan`` through)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if number != number:
            self.fail(f"{value!r} is not a number; expected a confidence level such as 0.95", param, ctx)
        return number


def _setup_logging(quiet: bool, verbose: bool = False) -> None:
    """Warnings on stderr: new ones always; those already shown for a file's version only with --verbose;
    none with --quiet."""
    from ..runtime.log import configure

    configure(quiet, verbose)


def data_options(func):
    """Options that say which files to read."""

    @click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                  help="Folder laid out like sample_data/ (default: the shipped sample_data).")
    @click.option("--crime", metavar="FILE", help="ONS police force area recorded crime CSV ('-' for stdin).")
    @click.option("--population", metavar="FILE",
                  help="Population by force (wide mid-year file) or by local authority (with --la-lookup).")
    @click.option("--la-lookup", "la_lookups", metavar="FILE", multiple=True,
                  help="Local authority to police force area lookup; repeat for several.")
    @click.option("--households", metavar="FILE", help="Households by force (2011 Census by default).")
    @click.option("--classification", metavar="FILE",
                  help="Offence classification CSV: source,category,measure (default: the packaged one).")
    @click.option("--forces", "forces_file", metavar="FILE", help="Forces registry CSV (default: the packaged one).")
    @click.option("--indicators", metavar="FILE", help="Victim satisfaction, detection and anti-social behaviour "
                  "figures (default: the data folder's, if any).")
    @click.option("--if-newer-than", "if_newer_than", type=PERIOD_OR_RELEASE, metavar="YYYY-MM|RELEASE",
                  help="For jobs: write nothing and exit 3 unless the data have a 12-month period ending after this "
                       "month, or (given a release's name, from `crimestat releases --latest`) unless a release "
                       "published after that one is found; a release that only revises figures counts.")
    @click.option("--outcomes", metavar="FILE", help="Home Office crime outcomes data (default: the release's, if any).")
    @click.option("--release", metavar="NAME", help="Data release to use (default: the newest; `crimestat releases` "
                  "lists them).")
    @click.option("--police-uk", "police_uk", metavar="PATH", multiple=True,
                  help="Use police.uk counts instead of ONS: an `ingest police-uk` CSV, or street-level "
                       "folders, zips or files (repeatable).")
    @functools.wraps(func)
    def wrapper(*args, data_dir, crime, population, la_lookups, households, classification, forces_file,
                indicators, outcomes, release, police_uk, if_newer_than, **kwargs):
        from ..dataset import DataPaths

        if crime and police_uk:
            raise click.UsageError("give --crime (ONS) or --police-uk, not both")
        paths = DataPaths(data_dir, crime, population, households, list(la_lookups), classification, forces_file,
                          indicators, list(police_uk), release, outcomes)
        if if_newer_than is not None:
            _exit_unless_newer(paths, if_newer_than, bool(kwargs.get("quiet")))
        return func(*args, paths=paths, **kwargs)

    return wrapper


def peer_options(func):
    """--peers and --peer-groups: HMIC's most similar groups."""

    @click.option("--peers", metavar="NAMES", help='Peer forces, comma-separated: "Lancashire,Kent" (up to 7).')
    @click.option("--peer-groups", metavar="FILE", help="CSV of force,peer rows (up to 7 peers a force).")
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if kwargs.get("peers") and kwargs.get("peer_groups"):
            raise click.UsageError("give --peers or --peer-groups, not both")
        return func(*args, **kwargs)

    return wrapper


NOTHING_NEWER = 3  # the exit code of --if-newer-than when the data have nothing newer


def _exit_unless_newer(paths, since, quiet: bool = False) -> None:
    """Exit 3, writing nothing on stdout (nor on stderr with ``--quiet``), when there is nothing newer than
    ``since``: a month (the data's newest 12-month period ends in or before it) or a release's name (no release
    was published after it)."""
    from ..runtime.log import is_quiet

    if isinstance(since, str):
        from ..releases import newer_than

        newer, named = newer_than(since, paths.data_dir)
        if newer:
            return
        said = f"crimestat: nothing newer than release {named.name}" + \
            (f" (published {named.published:%Y-%m-%d}): no release was published after it" if named.published
             else ": no release was published after it")
    else:
        from ..dataset import load_dataset

        data = load_dataset(paths)
        newest = max(data.counts.periods, default=None)
        if newest is not None and newest > since:
            return
        where = f"release {data.release.name}" if data.release is not None else "the data"
        last = f"{newest:%B %Y}" if newest else "no period"
        said = (f"crimestat: nothing newer than {since:%Y-%m}: the newest 12-month period in {where} ends in "
                f"{last}")
    if not (quiet or is_quiet()):
        click.echo(said, err=True)
    raise SystemExit(NOTHING_NEWER)


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, ValueError):  # closed, or replaced by an object without isatty
        return False


def output_options(func):
    """Options that say how and where to write the result."""

    @click.option("--format", "fmt", type=click.Choice(FORMATS),
                  help="Output format (default: from --output's extension, .csv .json .md .xlsx; else table on a "
                       "terminal, csv otherwise). xlsx needs --output FILE.xlsx or stdout redirected to a file.")
    @click.option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
    @click.option("--quiet", "-q", is_flag=True, help="Print no warnings, only errors.")
    @click.option("--verbose", "-v", is_flag=True, help="Also repeat warnings already shown for the same file.")
    @functools.wraps(func)
    def wrapper(*args, fmt, output, quiet, verbose, **kwargs):
        signals.ready("options")
        if quiet or verbose:
            _setup_logging(quiet, verbose)
        fmt = choose_format(fmt, output, _stdout_is_terminal())
        return func(*args, fmt=fmt, output=output, **kwargs)

    return wrapper


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__)  # the number pyproject.toml reads; asking the package metadata costs 15 ms
@click.option("--quiet", "-q", is_flag=True, help="Print no warnings, only errors.")
@click.option("--verbose", "-v", is_flag=True, help="Also repeat warnings already shown for the same file.")
def main(quiet: bool, verbose: bool) -> None:
    """Crime statistics for the police forces of England and Wales.

    Example: crimestat compare --force warwickshire --to 2014-06
    """
    signals.install()  # already done by the entry point; here too for programs that call this group directly
    signals.ready("group")
    _setup_logging(quiet, verbose)
    if sys.stderr is not None and hasattr(sys.stderr, "reconfigure"):
        sys.stderr.reconfigure(errors="backslashreplace")  # a message never fails on a narrow encoding


