"""The command line: parse options, call the library, render. Nothing worth testing lives only here."""

from __future__ import annotations

import functools
import logging
import os
import sys
from datetime import date
from pathlib import Path

import click

from . import periods
from .errors import CrimestatError
from .output import write_output
from .render import FORMATS, render


class YearMonth(click.ParamType):
    """A month as YYYY-MM (or YYYY-M, or its last day YYYY-MM-DD), given as the month's last day."""

    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
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


class Group(click.Group):
    """Maps crimestat's errors to one message on stderr and the documented exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CrimestatError as exc:
            for line in exc.for_options(OPTION_NAMES).splitlines():
                click.echo(f"crimestat: error: {line}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            # `crimestat ... | head`: the reader left; stop quietly, as shell tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)


def _setup_logging(quiet: bool) -> None:
    logger = logging.getLogger("crimestat")
    logger.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("crimestat: warning: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)


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
    @click.option("--outcomes", metavar="FILE", help="Home Office crime outcomes data (default: the release's, if any).")
    @click.option("--release", metavar="NAME", help="Data release to use (default: the newest; `crimestat releases` "
                  "lists them).")
    @click.option("--police-uk", "police_uk", metavar="PATH", multiple=True,
                  help="Use police.uk counts instead of ONS: an `ingest police-uk` CSV, or street-level "
                       "folders, zips or files (repeatable).")
    @functools.wraps(func)
    def wrapper(*args, data_dir, crime, population, la_lookups, households, classification, forces_file,
                indicators, outcomes, release, police_uk, **kwargs):
        from .dataset import DataPaths

        if crime and police_uk:
            raise click.UsageError("give --crime (ONS) or --police-uk, not both")
        paths = DataPaths(data_dir, crime, population, households, list(la_lookups), classification, forces_file,
                          indicators, list(police_uk), release, outcomes)
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


def _peer_groups(registry, code, peers, peer_groups):
    from .loaders.peers import load_peer_groups
    from .peers import peers_from_names

    if peers:
        return peers_from_names(registry, code, peers)
    if peer_groups:
        return load_peer_groups(peer_groups, registry)
    return None


def output_options(func):
    """Options that say how and where to write the result."""

    @click.option("--format", "fmt", type=click.Choice(FORMATS),
                  help="Output format (default: table on a terminal, csv otherwise).")
    @click.option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
    @click.option("--quiet", "-q", is_flag=True, help="Print no warnings, only errors.")
    @functools.wraps(func)
    def wrapper(*args, fmt, output, quiet, **kwargs):
        if quiet:
            _setup_logging(quiet)
        if fmt is None:
            fmt = "table" if output is None and sys.stdout.isatty() else "csv"
        return func(*args, fmt=fmt, output=output, **kwargs)

    return wrapper


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crimestat")
@click.option("--quiet", "-q", is_flag=True, help="Print no warnings, only errors.")
def main(quiet: bool) -> None:
    """Crime statistics for the police forces of England and Wales.

    Example: crimestat compare --force warwickshire --to 2014-06
    """
    _setup_logging(quiet)


@main.command()
@click.option("--force", "-f", "force", required=True, help="Force name, alias or ONS code, any case.")
@click.option("--to", type=YEAR_MONTH, help="End of the 12 months, YYYY-MM (default: the latest in the data).")
@click.option("--baseline", type=YEAR_MONTH, help="Period to compare with, YYYY-MM (default: four years before).")
@click.option("--population-year", type=int, help="Mid-year population estimate to use (default: the latest "
              "dated before the period ends).")
@click.option("--measure", "measures", multiple=True, help="Measure to show instead of HMIC's set; repeat "
              "for several (`crimestat measures` lists them).")
@click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True,
              help="Confidence level of satisfaction intervals.")
@click.option("--interval", type=click.Choice(["wilson", "normal"]), default="wilson", show_default=True,
              help="Interval for satisfaction given as counts.")
@click.option("--verdict", type=click.Choice(["overlap", "z-test"]), default="overlap", show_default=True,
              help="How satisfaction is judged against England and Wales and the previous year.")
@peer_options
@data_options
@output_options
def compare(force, to, baseline, population_year, measures, confidence, interval, verdict, peers, peer_groups,
            paths, fmt, output):
    """Compare a force with England and Wales: rates per 1,000, changes and indicators.

    Example: crimestat compare --force warwickshire --to 2014-06
    """
    from .analyses.base import choose_periods
    from .analyses.compare import compare as run
    from .analyses.indicators import IndicatorOptions, IndicatorSet
    from .dataset import load_dataset

    data = load_dataset(paths)
    resolved = data.registry.get(force)  # resolved once; an unknown force is reported before any file is read
    groups = _peer_groups(data.registry, resolved.code, peers, peer_groups)
    chosen = choose_periods(data, to, baseline)
    indicators = IndicatorSet(data.indicators) if data.indicators is not None else None
    result = run(data, resolved, population_year=population_year, measures=list(measures) or None,
                 indicators=indicators, options=IndicatorOptions(confidence, interval, verdict), peers=groups,
                 chosen=chosen)
    write_output(render(result, fmt), output)


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
@click.option("--force", "-f", "force", required=True, help="Force name, alias or ONS code, any case.")
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
    resolved = data.registry.get(force)
    result = run(data, resolved, start, to, measure, population_year)
    if plot:
        from .render.charts import trend_chart

        trend_chart(result, plot)
    write_output(render(result, fmt), output)


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
        if plot or baseline or population_year or overdispersion:
            raise click.UsageError(f"--measure {measure} is an outcome rate: --plot, --baseline, --population-year "
                                   "and --overdispersion apply to crime rates")
        write_output(render(rank_outcomes(data, measure, to, None, codes), fmt), output)
        return
    result = run(data, measure, to, baseline, population_year, codes, overdispersion, funnel=funnel_method,
                 force=data.registry.get(force).code if force else None, per=int(per) if per else None)
    if plot:
        from .render.charts import funnel_chart

        funnel = result.funnel
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
    from .analyses.validate import result, validate as run

    if not files:
        chosen = releases.choose(release, data_dir)
        files = [str(f.path) for f in chosen.files if f.role != "geography"]
    checked = run(files, la_lookups=la_lookups)
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

    found = coverage(data_dir)
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
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="Output format: the counts are data for other programs.")
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
    registry = load_forces()
    progress = _progress_bar if sys.stderr.isatty() else None
    counts = count_archive(list(paths), registry, workers, progress)
    if progress:
        click.echo("", err=True)
    result = counts_result(counts, registry)
    write_output(render(result, fmt), output)
    logger = logging.getLogger("crimestat")
    for line in result.notes:
        if line.lstrip().startswith("skipped"):
            logger.warning(line.strip())
        elif logger.isEnabledFor(logging.WARNING):
            click.echo(f"crimestat: {line}", err=True)


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    click.echo(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} files", err=True, nl=False)


@main.command()
@click.option("--force", "-f", "force", required=True, help="Force name, alias or ONS code, any case.")
@click.option("--to", type=YEAR_MONTH, help="End of the 12 months, YYYY-MM (default: the latest in the data).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown", show_default=True,
              help="Markdown (with the chart as a PNG file beside it) or one self-contained HTML page.")
@click.option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print no warnings, only errors.")
@data_options
def report(force, to, fmt, output, quiet, paths):
    """Write HMIC's "Crime" section for a force: sentences, rates table, trend chart, method.

    Example: crimestat report --force warwickshire --to 2014-06 --format html --output warwickshire.html
    """
    from .analyses.indicators import IndicatorSet
    from .dataset import load_dataset
    from .render import report_html, report_markdown
    from .analyses.report import build_report

    if quiet:
        _setup_logging(True)
    data = load_dataset(paths)
    resolved = data.registry.get(force)
    indicators = IndicatorSet(data.indicators) if data.indicators is not None else None
    built = build_report(data, resolved, to, indicators)
    if fmt == "html":
        from .render.charts import trend_svg

        write_output(report_html(built, trend_svg(built.chart)), output)
        return
    from .render.charts import trend_chart

    stem = Path(output).with_suffix("") if output else Path(f"{resolved.police_uk_id or 'report'}-"
                                                                f"{built.chart.period_ends[-1]:%Y-%m}")
    image = Path(f"{stem}-trend.png")
    trend_chart(built.chart, str(image))
    write_output(report_markdown(built, image.name), output)
    if not output:
        click.echo(f"crimestat: the chart is in {image}", err=True)
