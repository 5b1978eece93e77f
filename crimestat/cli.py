"""The command line: parse options, call the library, render. Nothing worth testing lives only here."""

from __future__ import annotations

import functools
import os
import sys
from datetime import date
from pathlib import Path

# Before numpy is first imported (no command imports it at start-up): numpy's OpenBLAS would otherwise start
# a thread per core, with its buffers, at import, and spin them; crimestat's arithmetic is element-wise,
# never multi-threaded linear algebra. This is 50 ms of a 220 ms warm compare on two cores. A user's own
# setting is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click

from .errors import CrimestatError
from .text import file_name, printable
from .output import write_output
from .render import FORMATS, choose_format, render


class YearMonth(click.ParamType):
    """A month as YYYY-MM (or YYYY-M, or its last day YYYY-MM-DD), given as the month's last day."""

    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        from . import periods  # here: `--help` and `forces` need not import it (calendar, locale)

        option = param.opts[0] if param is not None and param.opts else "--to"
        try:
            return periods.parse_month(value, option.lstrip("-").replace("-", "_"))
        except CrimestatError as exc:
            # crimestat's own one-line message and exit code, not click's usage block.
            click.echo(f"crimestat: error: {exc.for_options({exc.parameter: option})}", err=True)
            ctx.exit(exc.exit_code)


YEAR_MONTH = YearMonth()


# The library names parameters; the command line shows them as the options that set them.
OPTION_NAMES = {"group": "--group", "to": "--to", "baseline": "--baseline", "start": "--from", "population_year": "--population-year",
                "force": "--force", "measure": "--measure", "release": "--release"}


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
            click.echo("crimestat: interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        _note_inputs([*getattr(ctx, "_protected_args", []), *ctx.args])
        try:
            return super().invoke(ctx)
        except CrimestatError as exc:
            if _SIGNALLED:
                # A signal arriving inside a parser (pandas turns it into a read error) is still a signal:
                # report it as one, not as bad data in the file being read.
                click.echo("crimestat: terminated" if _SIGNALLED[-1] == 15 else "crimestat: interrupted", err=True)
                ctx.exit(143 if _SIGNALLED[-1] == 15 else 130)
            for line in _error_lines(exc):
                click.echo(f"crimestat: error: {line}", err=True)
            ctx.exit(exc.exit_code)
        except _Terminated:
            click.echo("crimestat: terminated", err=True)
            ctx.exit(143)
        except KeyboardInterrupt:
            click.echo("crimestat: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # `crimestat ... | head`: the reader left; stop quietly, as shell tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)


class _Terminated(BaseException):
    """SIGTERM, raised where the program is so that temporary files are removed on the way out."""


_SIGNALLED: list[int] = []  # the signals received, so an error they caused is reported as the signal


def _on_sigterm(signum, frame) -> None:
    _SIGNALLED.append(15)
    raise _Terminated()


def _on_sigint(signum, frame) -> None:
    _SIGNALLED.append(2)
    raise KeyboardInterrupt()


def _error_lines(exc: CrimestatError) -> list[str]:
    """One line per problem: a newline inside a message (a file name with one) is shown as ``\\n``."""
    from .errors import DataFileError

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


def _note_inputs(arguments: list[str]) -> None:
    """Files named on the command line are inputs: ``--output`` may not write over them."""
    from .output import note_input

    outputs = ("--output", "-o", "--plot", "--chart")
    for i, argument in enumerate(arguments):
        if argument.startswith(tuple(f"{o}=" for o in outputs)) or (i and arguments[i - 1] in outputs):
            continue  # the files to write, not inputs
        for candidate in (argument, argument.partition("=")[2]):
            try:
                if candidate and candidate != "-" and os.path.isfile(candidate):
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
    from .log import configure

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
    @click.option("--if-newer-than", "if_newer_than", type=YEAR_MONTH, metavar="YYYY-MM",
                  help="For jobs: write nothing and exit 3 unless the data have a 12-month period ending after this "
                       "month.")
    @click.option("--outcomes", metavar="FILE", help="Home Office crime outcomes data (default: the release's, if any).")
    @click.option("--release", metavar="NAME", help="Data release to use (default: the newest; `crimestat releases` "
                  "lists them).")
    @click.option("--police-uk", "police_uk", metavar="PATH", multiple=True,
                  help="Use police.uk counts instead of ONS: an `ingest police-uk` CSV, or street-level "
                       "folders, zips or files (repeatable).")
    @functools.wraps(func)
    def wrapper(*args, data_dir, crime, population, la_lookups, households, classification, forces_file,
                indicators, outcomes, release, police_uk, if_newer_than, **kwargs):
        from .dataset import DataPaths

        if crime and police_uk:
            raise click.UsageError("give --crime (ONS) or --police-uk, not both")
        paths = DataPaths(data_dir, crime, population, households, list(la_lookups), classification, forces_file,
                          indicators, list(police_uk), release, outcomes)
        if if_newer_than is not None:
            _exit_unless_newer(paths, if_newer_than)
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


def _exit_unless_newer(paths, month) -> None:
    """Exit 3, writing nothing on stdout, when the data's newest 12-month period ends in or before ``month``."""
    from .dataset import load_dataset

    data = load_dataset(paths)
    newest = max(data.counts.periods, default=None)
    if newest is None or newest <= month:
        where = f"release {data.release.name}" if data.release is not None else "the data"
        last = f"{newest:%B %Y}" if newest else "no period"
        click.echo(f"crimestat: nothing newer than {month:%Y-%m}: the newest 12-month period in {where} ends in "
                   f"{last}", err=True)
        raise SystemExit(NOTHING_NEWER)


def resolve_forces(registry, names) -> list:
    """The forces named (any alias or code; 'all' for the 43 territorial forces), each once, in order.

    National bodies (British Transport Police, the fraud reporting bodies) have no resident population and
    are not police force areas: refused here with the reason rather than shown as a table of n/a.
    """
    from .errors import UsageError

    forces = []
    for name in names:
        if name.strip().lower() == "all":
            forces += sorted(registry.territorial, key=lambda f: f.name)  # the order `crimestat forces` lists
            continue
        force = registry.get(name)
        if not force.territorial:
            raise UsageError(f"--force {name}: {force.name} is a national body, not a police force area: it has no "
                             "resident population and is not part of England and Wales, so there are no rates to "
                             "compare (`crimestat forces` lists the 43 forces)")
        forces.append(force)
    return list(dict.fromkeys(forces))


def _one_or_merged(results, command: str, period):
    """One result as it is; several (one per force) as one result with England and Wales's rows once."""
    if len(results) == 1:
        return results[0]
    from . import periods as period_rules
    from .render.views import view
    from .rows import merge

    return merge([view(r) for r in results], f"{len(results)} forces compared with England and Wales, "
                 f"{period_rules.label(period)}", {"command": command, "forces": [r.force.code for r in results],
                                                   "period_end": period})


def _peer_groups(registry, code, peers, peer_groups):
    from .loaders.peers import load_peer_groups
    from .peers import peers_from_names

    if peers:
        return peers_from_names(registry, code, peers)
    if peer_groups:
        return load_peer_groups(peer_groups, registry)
    return None


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
        if quiet or verbose:
            _setup_logging(quiet, verbose)
        fmt = choose_format(fmt, output, _stdout_is_terminal())
        return func(*args, fmt=fmt, output=output, **kwargs)

    return wrapper


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crimestat")
@click.option("--quiet", "-q", is_flag=True, help="Print no warnings, only errors.")
@click.option("--verbose", "-v", is_flag=True, help="Also repeat warnings already shown for the same file.")
def main(quiet: bool, verbose: bool) -> None:
    """Crime statistics for the police forces of England and Wales.

    Example: crimestat compare --force warwickshire --to 2014-06
    """
    _setup_logging(quiet, verbose)
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        # SIGTERM (a scheduler stopping the job) unwinds like Ctrl-C, so temporary files are removed;
        # the exit code is 143 (128 + 15), Ctrl-C's 130.
        signal.signal(signal.SIGTERM, _on_sigterm)
        signal.signal(signal.SIGINT, _on_sigint)
    if sys.stderr is not None and hasattr(sys.stderr, "reconfigure"):
        sys.stderr.reconfigure(errors="backslashreplace")  # a message never fails on a narrow encoding


@main.command()
@click.option("--force", "-f", "force", required=True, multiple=True,
              help="Force name, alias or ONS code, any case; repeat for several, or 'all' for the 43 forces.")
@click.option("--to", type=YEAR_MONTH, help="End of the 12 months, YYYY-MM (default: the latest in the data).")
@click.option("--baseline", type=YEAR_MONTH, help="Period to compare with, YYYY-MM (default: four years before).")
@click.option("--population-year", type=int, help="Mid-year population estimate to use (default: the latest "
              "dated before the period ends).")
@click.option("--measure", "measures", multiple=True, help="Measure to show instead of HMIC's set; repeat "
              "for several (`crimestat measures` lists them).")
@click.option("--confidence", type=_Confidence(0.5, 0.999), default=0.95, show_default=True,
              help="Confidence level of satisfaction intervals.")
@click.option("--interval", type=click.Choice(["wilson", "normal"]), default="wilson", show_default=True,
              help="Interval for satisfaction given as counts.")
@click.option("--verdict", type=click.Choice(["overlap", "z-test"]), default="overlap", show_default=True,
              help="How satisfaction is judged against England and Wales and the previous year.")
@click.option("--per", type=click.Choice(["1000", "100000", "1000000"]), help="Rates per 1,000, 100,000 or "
              "1,000,000 (default: per 1,000; homicide per million, as ONS).")
@peer_options
@data_options
@output_options
def compare(force, to, baseline, population_year, measures, confidence, interval, verdict, per, peers, peer_groups,
            paths, fmt, output):
    """Compare a force with England and Wales: rates per 1,000, changes and indicators.

    Example: crimestat compare --force warwickshire --to 2014-06
    """
    from .analyses.base import choose_periods
    from .analyses.compare import compare as run
    from .analyses.indicators import IndicatorOptions, IndicatorSet
    from .dataset import load_dataset

    data = load_dataset(paths)
    forces = resolve_forces(data.registry, force)  # resolved once, before any large file is read
    if (peers or peer_groups) and len(forces) > 1:
        raise click.UsageError("--peers and --peer-groups go with one --force")
    groups = _peer_groups(data.registry, forces[0].code, peers, peer_groups)
    chosen = choose_periods(data, to, baseline)
    indicators = IndicatorSet(data.indicators) if data.indicators is not None else None
    results = [run(data, one, population_year=population_year, measures=list(measures) or None,
                   indicators=indicators, options=IndicatorOptions(confidence, interval, verdict), peers=groups,
                   chosen=chosen, per=int(per) if per else None) for one in forces]
    write_output(render(_one_or_merged(results, "compare", chosen.current), fmt), output)


@main.command()
@click.option("--forces", "forces_file", metavar="FILE", help="Forces registry CSV (default: the packaged one).")
@output_options
def forces(forces_file, fmt, output):
    """List the police forces with their codes and the names crimestat accepts.

    Example: crimestat forces --format csv
    """
    from .analyses.listing import forces_result
    from .loaders.forces import load_forces

    write_output(render(forces_result(load_forces(forces_file)), fmt), output)


@main.command()
@click.option("--classification", metavar="FILE", help="Offence classification CSV (default: the packaged one).")
@output_options
def measures(classification, fmt, output):
    """List the measures and the source categories each is made of.

    Example: crimestat measures --format table
    """
    from .analyses.listing import measures_result
    from .loaders.classification import load_classification

    write_output(render(measures_result(load_classification(classification)), fmt), output)


@main.command()
@click.option("--force", "-f", "force", required=True, multiple=True,
              help="Force name, alias or ONS code, any case; repeat for several, or 'all' for the 43 forces.")
@click.option("--from", "start", type=YEAR_MONTH, help="First period end, YYYY-MM (default: four years before --to).")
@click.option("--to", type=YEAR_MONTH, help="Last period end, YYYY-MM (default: the latest in the data).")
@click.option("--measure", help="Measure to chart (default: the source's headline measure, crime_excl_fraud for "
              "ONS and Home Office data).")
@click.option("--population-year", type=int, help="Use this mid-year population for every point.")
@click.option("--plot", metavar="FILE.png|FILE.svg", help="Also draw the chart to this file.")
@data_options
@output_options
def trend(force, start, to, measure, population_year, plot, paths, fmt, output):
    """Show a force's rolling 12-month rate at each period end beside England and Wales.

    Example: crimestat trend --force warwickshire --from 2010-06 --to 2014-06 --plot trend.png
    """
    from .dataset import load_dataset
    from .analyses.trend import trend as run

    data = load_dataset(paths)
    forces = resolve_forces(data.registry, force)
    if plot and len(forces) > 1:
        raise click.UsageError("--plot draws one force's chart; give one --force with it")
    results = [run(data, one, start, to, measure, population_year) for one in forces]
    if plot:
        from .render.charts import trend_chart

        trend_chart(results[0], plot)
    write_output(render(_one_or_merged(results, "trend", results[0].period_ends[-1]), fmt), output)


@main.command()
@click.option("--measure", help="Measure to rank by (default: the source's headline measure, crime_excl_fraud for "
              "ONS and Home Office data).")
@click.option("--to", type=YEAR_MONTH, help="End of the 12 months, YYYY-MM (default: the latest in the data).")
@click.option("--baseline", type=YEAR_MONTH, help="Period for the longer change, YYYY-MM (default: four years before).")
@click.option("--population-year", type=int, help="Mid-year population estimate to use.")
@click.option("--force", "-f", "force", help="Mark this force in the table and the funnel plot; with --peers or "
              "--peer-groups, rank its group only.")
@click.option("--plot", metavar="FILE.png|FILE.svg", help="Also draw the funnel plot to this file.")
@click.option("--funnel", "funnel_method", type=click.Choice(["additive", "multiplicative", "poisson"]),
              default="additive", show_default=True, help="How the funnel limits allow for the spread between forces "
              "(Spiegelhalter 2005): additive overdispersion, the multiplicative factor phi, or plain Poisson limits.")
@click.option("--overdispersion", is_flag=True, help="The same as --funnel multiplicative.")
@click.option("--per", type=click.Choice(["1000", "100000", "1000000"]), help="Rate per 1,000, 100,000 or "
              "1,000,000 (default: per 1,000; homicide per million, as ONS).")
@peer_options
@data_options
@output_options
def rank(measure, to, baseline, population_year, force, plot, funnel_method, overdispersion, per, peers, peer_groups,
         paths, fmt, output):
    """Rank all 43 forces by rate, with changes and funnel-plot positions.

    Example: crimestat rank --measure crime_excl_fraud --to 2014-06 --plot funnel.png
    """
    from .dataset import load_dataset
    from .analyses.rank import rank as run

    data = load_dataset(paths)
    codes = None
    if peers or peer_groups:
        if not force:
            raise click.UsageError("--peers and --peer-groups need --force: whose group to rank")
        code = data.registry.get(force).code
        codes = _peer_groups(data.registry, code, peers, peer_groups).group(code)
    from .analyses.outcomes import is_outcome_measure, rank_outcomes

    if measure and is_outcome_measure(measure):  # outcome rates rank from the release's outcomes data
        if plot or baseline or population_year or overdispersion or per or funnel_method != "additive":
            raise click.UsageError(f"--measure {measure} is an outcome rate (a percentage of offences): --plot, "
                                   "--baseline, --population-year, --per, --funnel and --overdispersion apply to "
                                   "crime rates")
        write_output(render(rank_outcomes(data, measure, to, None, codes), fmt), output)
        return
    result = run(data, measure, to, baseline, population_year, codes, overdispersion, funnel=funnel_method,
                 force=data.registry.get(force).code if force else None, per=int(per) if per else None)
    if plot:
        from .render.charts import funnel_chart

        funnel = result.funnel
        if not funnel.points or not funnel.limits:
            why = result.england_and_wales.rate.note or "no force has a rate"
            raise CrimestatError(f"--plot {plot}: no funnel plot to draw: no force's rate can be set against "
                                 f"England and Wales's ({why})")
        funnel_chart(funnel.points, funnel.limits, funnel.target, result.funnel_title(), result.unit, plot,
                     result.source.short_citation)
    write_output(render(result, fmt), output)


@main.command()
@click.argument("files", nargs=-1)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Check a data folder's release (default when no FILE is given: the shipped sample_data).")
@click.option("--release", metavar="NAME", help="The release to check when no FILE is given (default: the newest).")
@click.option("--la-lookup", "la_lookups", metavar="FILE", multiple=True,
              help="Lookup for a local authority population file.")
@output_options
def validate(files, data_dir, release, la_lookups, fmt, output):
    """Check input files and report every problem at once (exit 1 if any).

    Example: crimestat validate sample_data/releases/ons-2019/rec-crime-pfa.csv my-indicators.csv
    """
    from . import releases
    from .analyses.validate import manifest_digests, result, validate as run

    if not files:
        chosen = releases.choose(release, data_dir)
        files = [str(f.path) for f in chosen.files if f.role != "geography"]
        known = [chosen]
    else:
        try:
            known = releases.discover(data_dir)
        except CrimestatError:
            known = []  # a damaged manifest elsewhere does not stop the files named from being checked
    checked = run(files, la_lookups=la_lookups, expected=manifest_digests(known))
    write_output(render(result(checked), fmt), output)
    if any(c.problems for c in checked):
        raise SystemExit(1)


@main.command()
@click.option("--force", "-f", "force", required=True, help="Force name, alias or ONS code, any case.")
@click.option("--to", type=YEAR_MONTH, help="End of the 12 months, YYYY-MM (default: the latest with outcomes).")
@click.option("--group", metavar="GROUP", help='One offence group, such as "Violence against the person" '
              "(default: crimes excluding fraud).")
@data_options
@output_options
def outcomes(force, to, group, paths, fmt, output):
    """Show a force's crime outcomes (charge/summons and the rest of the mix) beside England and Wales.

    Example: crimestat outcomes --force warwickshire --group "Violence against the person"
    """
    from .analyses.outcomes import outcomes as run
    from .dataset import load_dataset

    data = load_dataset(paths)
    resolved = data.registry.get(force)
    write_output(render(run(data, resolved, to, group), fmt), output)


@main.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Data folder whose releases/ to list (default: the shipped sample_data and the user's releases).")
@click.option("--latest", is_flag=True, help="Print only the newest release and its last period (for jobs).")
@output_options
def releases(data_dir, latest, fmt, output):
    """List the data releases with the periods they cover; the newest is the default.

    Example: crimestat releases --latest
    """
    from .analyses.revisions import coverage, releases_result

    found = coverage(data_dir, newest_only=latest)
    if latest and not found:
        from .releases import no_releases

        raise no_releases(data_dir)
    if latest:
        newest = found[-1]
        if fmt == "table":
            last = f"{newest.last:%Y-%m}" if newest.last else "none"
            write_output(f"{newest.release.name} {last}\n", output)
            return
        found = [newest]
    write_output(render(releases_result(found), fmt), output)


@main.command()
@click.option("--force", "-f", "force", required=True, help="Force name, alias or ONS code, any case.")
@click.option("--to", type=YEAR_MONTH, required=True, help="End of the 12 months, YYYY-MM.")
@click.option("--measure", default="crime_excl_fraud", show_default=True, help="Measure to follow across releases.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Data folder whose releases to compare (default: the shipped sample_data and the user's).")
@output_options
def revisions(force, to, measure, data_dir, fmt, output):
    """Show a period's count and rate in every release that covers it, and how they were revised.

    Example: crimestat revisions --force warwickshire --to 2014-06
    """
    from .analyses.revisions import revisions as run

    write_output(render(run(force, to, measure, data_dir), fmt), output)


@main.group()
def ingest():
    """Turn raw published files into tidy counts.

    Example: crimestat ingest police-uk sample_data/police-uk --output counts.csv
    """


@ingest.command("police-uk")
@click.argument("paths", nargs=-1, required=True)
@click.option("--workers", type=click.IntRange(1, 64), help="Processes to count files with (default: all cores).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]),
              help="Output format: the counts are data for other programs (default: from --output's extension, "
                   ".csv or .json; else csv).")
@click.option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print no summary or warnings, only errors.")
def ingest_police_uk(paths, workers, fmt, output, quiet):
    """Count police.uk street-level files (folders, .zip, .csv.gz) by force, month and crime type.

    Example: crimestat ingest police-uk sample_data/police-uk --output counts.csv
    """
    from .ingest import counts_result
    from .loaders.forces import load_forces
    from .loaders.police_uk import count_archive

    if quiet:
        _setup_logging(True)
    fmt = choose_format(fmt, output, terminal=False) if fmt or output else "csv"  # before any counting
    if fmt not in ("csv", "json"):
        raise click.UsageError(f"--output {output}: ingest writes csv or json (.csv or .json)")
    registry = load_forces()
    progress = _progress_bar if sys.stderr.isatty() else None
    counts = count_archive(list(paths), registry, workers, progress)
    if progress:
        click.echo("", err=True)
    result = counts_result(counts, registry)
    write_output(render(result, fmt), output)
    from .log import logger, showing_warnings

    for line in result.notes:
        if line.lstrip().startswith("skipped"):
            logger().warning(line.strip())
        elif showing_warnings():
            click.echo(f"crimestat: {line}", err=True)


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    click.echo(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} files", err=True, nl=False)


@main.command()
@click.option("--force", "-f", "force", required=True, multiple=True,
              help="Force name, alias or ONS code, any case; repeat for several, or 'all' (with --output-dir).")
@click.option("--to", type=YEAR_MONTH, help="End of the 12 months, YYYY-MM (default: the latest in the data).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]),
              help="Markdown (the chart as a PNG beside the --output file, or at --chart) or one self-contained "
                   "HTML page (default: from --output's extension, .md or .html; else markdown).")
@click.option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write one report per force into this folder (FORCE-YYYY-MM.md or .html).")
@click.option("--chart", metavar="FILE.png|FILE.svg", help="Markdown: write the chart here (default: beside --output; "
              "none when the report goes to stdout).")
@click.option("--quiet", "-q", is_flag=True, help="Print no warnings, only errors.")
@data_options
def report(force, to, fmt, output, output_dir, chart, quiet, paths):
    """Write HMIC's "Crime" section for a force: sentences, rates table, trend chart, method.

    Example: crimestat report --force warwickshire --to 2014-06 --format html --output warwickshire.html
    """
    from .analyses.indicators import IndicatorSet
    from .dataset import load_dataset

    if quiet:
        _setup_logging(True)
    fmt = _report_format(fmt, output)
    data = load_dataset(paths)
    forces = resolve_forces(data.registry, force)
    if len(forces) > 1 and output_dir is None:
        raise click.UsageError("several forces write several reports: give --output-dir DIR")
    if output_dir is not None and (output or chart):
        raise click.UsageError("--output-dir names each report itself; leave out --output and --chart")
    indicators = IndicatorSet(data.indicators) if data.indicators is not None else None
    if output_dir is not None:
        if not output_dir.is_dir():
            raise click.UsageError(f"--output-dir {output_dir}: no such folder")
        for one in forces:
            # The name comes from the forces registry, a data file: made safe as one file name in the folder.
            name = output_dir / f"{file_name(one.police_uk_id or one.code)}-{{period}}.{'html' if fmt == 'html' else 'md'}"
            _write_report(data, one, to, indicators, fmt, str(name), None, quiet)
        return
    _write_report(data, forces[0], to, indicators, fmt, output, chart, quiet)


def _report_format(fmt: str | None, output: str | None) -> str:
    """markdown or html: as asked, else as --output's extension says; a contradiction is a usage error."""
    implied = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}.get(
        Path(output).suffix.lower()) if output and output != "-" else None
    if fmt is not None and implied is not None and fmt != implied:
        raise click.UsageError(f"--format {fmt} does not match --output {output}, whose extension means {implied}")
    return fmt or implied or "markdown"


def _write_report(data, force, to, indicators, fmt, output, chart, quiet) -> None:
    """One force's report to ``output`` (stdout when None); ``{period}`` in the name becomes YYYY-MM."""
    from .analyses.report import build_report
    from .render import report_html, report_markdown

    built = build_report(data, force, to, indicators)
    if output is not None:
        output = output.replace("{period}", f"{built.chart.period_ends[-1]:%Y-%m}")
    if fmt == "html":
        from .render.charts import trend_svg

        write_output(report_html(built, trend_svg(built.chart)), output)
        return
    from .render.charts import trend_chart

    image = Path(chart) if chart else Path(f"{Path(output).with_suffix('')}-trend.png") if output else None
    if image is not None:
        trend_chart(built.chart, str(image), "--chart" if chart else "--output")
    # The Markdown names the chart relative to itself when they sit together, else by the path given.
    shown = None if image is None else image.name if output and image.parent == Path(output).parent else str(image)
    write_output(report_markdown(built, shown), output)
    if image is not None and not output and not quiet:
        click.echo(f"crimestat: the chart is in {image}", err=True)
