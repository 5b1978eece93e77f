"""The data commands: validate, releases, revisions, ingest, and the narrative report."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from ..files import write_output
from ..render.text import file_name
from ..render import choose_format, render
from ..render.formats import REPORTS
from .base import (YEAR_MONTH, _setup_logging, data_options, main, output_options, peer_options)

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
    import crimestat

    checked = crimestat.validate(files, data_dir=data_dir, release=release, la_lookups=la_lookups)
    write_output(render(checked, fmt), output)
    if not checked.ok:
        raise SystemExit(1)


@main.group(invoke_without_command=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Data folder whose releases/ to list (default: the shipped sample_data and the user's releases).")
@click.option("--latest", is_flag=True, help="Print only the newest release's name and its last period (for jobs: "
              "the name is what --if-newer-than takes).")
@output_options
@click.pass_context
def releases(ctx, data_dir, latest, fmt, output):
    """List the data releases with the periods they cover; the newest is the default. `releases add` adds one
    from the files as published, `releases remove` removes one you added.

    Example: crimestat releases --latest
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..analyses.revisions import coverage, releases_result

    found = coverage(data_dir, newest_only=latest)
    if latest and not found:
        from ..releases import no_releases

        raise no_releases(data_dir)
    if latest:
        newest = found[-1]
        if fmt == "table":
            last = f"{newest.last:%Y-%m}" if newest.last else "none"
            write_output(f"{newest.release.name} {last}\n", output)
            return
        found = [newest]
    write_output(render(releases_result(found), fmt), output)


def _iso_date(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; expected YYYY-MM-DD", ctx, param) from None


@releases.command("add")
@click.argument("sources", nargs=-1, required=True, metavar="FILE_OR_URL...")
@click.option("--name", required=True, help="The release's name: lower-case letters, digits, '.', '_', '-' "
              "(such as home-office-2026-07).")
@click.option("--publisher", default="", help='Who published the files, such as "Home Office".')
@click.option("--published", callback=_iso_date, metavar="YYYY-MM-DD", help="Publication date (default: today); "
              "the newest release by this date is the default one.")
@click.option("--title", help="A title for the release (default: its name).")
@click.option("--licence", default="", help='The files\' licence, such as "Open Government Licence v3.0".')
@click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Seconds a download may go without receiving anything.")
@click.option("--max-size", "max_size", type=click.IntRange(min=1), default=1024, show_default=True,
              help="Largest file to download, in MB.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when the release is added, only errors.")
def releases_add(sources, name, publisher, published, title, licence, timeout, max_size, quiet):
    """Add a data release from the files as published (paths or http(s) addresses), each recognised by its
    header and checked as every command reads it; written with its manifest (release.json, SHA-256 per file)
    in $XDG_DATA_HOME/crimestat/releases/NAME, whole or not at all.

    Example: crimestat releases add prc-pfa-tables.ods pfa-population.csv pfa-households.csv --name home-office-2026-07
    """
    from .. import releases as store

    added = store.add(list(sources), name, publisher=publisher, published=published, title=title, licence=licence,
                      timeout=timeout, max_bytes=max_size * 1024 * 1024)
    if not quiet:
        roles = ", ".join(f"{f.role} ({f.path.name})" for f in added.files)
        click.echo(f"crimestat: added release {added.name} in {added.folder}: {roles}", err=True)


@releases.command("remove")
@click.argument("name")
def releases_remove(name):
    """Remove a release you added (the releases shipped with crimestat stay).

    Example: crimestat releases remove home-office-2026-07
    """
    from .. import releases as store

    folder = store.remove(name)
    click.echo(f"crimestat: removed release {name} ({folder})", err=True)


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
    import crimestat

    write_output(render(crimestat.revisions(force, to, measure, data_dir=data_dir), fmt), output)


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
    from ..analyses.ingest import counts_result
    from ..loaders.forces import load_forces
    from ..sources.police_uk.parser import count_archive

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
    from ..runtime.log import logger, showing_warnings

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
@click.option("--format", "fmt", type=click.Choice(REPORTS.names),
              help="Markdown (the chart as a PNG beside the --output file, or at --chart) or one self-contained "
                   "HTML page (default: from --output's extension, .md or .html; else markdown).")
@click.option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write one report per force into this folder (FORCE-YYYY-MM.md or .html).")
@click.option("--chart", metavar="FILE.png|FILE.svg", help="Markdown: write the chart here (default: beside --output; "
              "none when the report goes to stdout).")
@click.option("--quiet", "-q", is_flag=True, help="Print no warnings, only errors.")
@peer_options
@data_options
def report(force, to, fmt, output, output_dir, chart, quiet, peers, peer_groups, paths):
    """Write a force's crime report for a board: the headline rates beside England and Wales (and the peers,
    with --peers or --peer-groups), what changed, the trend, its place among the forces, outcomes, method.

    Example: crimestat report --force warwickshire --peers "West Mercia,Staffordshire" --output board.html
    """
    from ..analyses.indicators import IndicatorSet
    from ..dataset import load_dataset

    if quiet:
        _setup_logging(True)
    fmt = REPORTS.choose(fmt, output)
    data = load_dataset(paths)
    forces = data.forces(force)
    if len(forces) > 1 and output_dir is None:
        raise click.UsageError("several forces write several reports: give --output-dir DIR")
    if (peers or peer_groups) and len(forces) > 1 and peers:
        raise click.UsageError("--peers goes with one --force (give --peer-groups FILE for several)")
    if output_dir is not None and (output or chart):
        raise click.UsageError("--output-dir names each report itself; leave out --output and --chart")
    indicators = IndicatorSet(data.indicators) if data.indicators is not None else None
    if output_dir is not None:
        if not output_dir.is_dir():
            raise click.UsageError(f"--output-dir {output_dir}: no such folder")
        for one in forces:
            # The name comes from the forces registry, a data file: made safe as one file name in the folder.
            name = output_dir / f"{file_name(one.police_uk_id or one.code)}-{{period}}{REPORTS[fmt].extensions[0]}"
            groups = data.peers(one, peers, peer_groups)
            _write_report(data, one, to, indicators, fmt, str(name), None, quiet, groups)
        return
    groups = data.peers(forces[0], peers, peer_groups)
    _write_report(data, forces[0], to, indicators, fmt, output, chart, quiet, groups)


def _write_report(data, force, to, indicators, fmt, output, chart, quiet, peers=None) -> None:
    """One force's report to ``output`` (stdout when None); ``{period}`` in the name becomes YYYY-MM."""
    from ..analyses.report import build_report

    built = build_report(data, force, to, indicators, peers=peers)
    if output is not None:
        output = output.replace("{period}", f"{built.chart.period_ends[-1]:%Y-%m}")
    if fmt == "html":
        from ..render.charts import trend_svg

        write_output(REPORTS["html"].write(built, trend_svg(built.chart)), output)
        return
    from ..render.charts import trend_chart

    image = Path(chart) if chart else Path(f"{Path(output).with_suffix('')}-trend.png") if output else None
    if image is not None:
        trend_chart(built.chart, str(image), "--chart" if chart else "--output")
    # The Markdown names the chart relative to itself when they sit together, else by the path given.
    shown = None if image is None else image.name if output and image.parent == Path(output).parent else str(image)
    write_output(REPORTS["markdown"].write(built, shown), output)
    if image is not None and not output and not quiet:
        click.echo(f"crimestat: the chart is in {image}", err=True)
