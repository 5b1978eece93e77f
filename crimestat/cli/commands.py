"""The analysis commands: compare, trend, rank, breakdown, outcomes, and the listings (forces, measures)."""

from __future__ import annotations


import click

from ..files import write_output
from ..render import render
from .base import (YEAR_MONTH, _Confidence, data_options, main, output_options, peer_options)

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
    import crimestat

    from ..dataset import load_dataset

    if (peers or peer_groups) and len(force) > 1:
        raise click.UsageError("--peers and --peer-groups go with one --force")
    data = load_dataset(paths)
    result = crimestat.compare(force, to, baseline, measures=measures, per=per, peers=peers, peer_groups=peer_groups,
                               population_year=population_year, confidence=confidence, interval=interval,
                               verdict=verdict, data=data)
    write_output(render(result, fmt), output)


@main.command()
@click.option("--forces", "forces_file", metavar="FILE", help="Forces registry CSV (default: the packaged one).")
@output_options
def forces(forces_file, fmt, output):
    """List the police forces with their codes and the names crimestat accepts.

    Example: crimestat forces --format csv
    """
    from ..analyses.listing import forces_result
    from ..loaders.forces import load_forces

    write_output(render(forces_result(load_forces(forces_file)), fmt), output)


@main.command()
@click.option("--classification", metavar="FILE", help="Offence classification CSV (default: the packaged one).")
@output_options
def measures(classification, fmt, output):
    """List the measures and the source categories each is made of.

    Example: crimestat measures --format table
    """
    from ..analyses.listing import measures_result
    from ..loaders.classification import load_classification

    from .. import sources

    write_output(render(measures_result(load_classification(classification, known_sources=sources.keys())), fmt),
                 output)


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
    import crimestat

    from ..dataset import load_dataset

    data = load_dataset(paths)
    if plot and len(data.forces(force)) > 1:
        raise click.UsageError("--plot draws one force's chart; give one --force with it")
    result = crimestat.trend(force, start, to, measure=measure, population_year=population_year, data=data)
    if plot:
        from ..render.charts import trend_chart

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
              "(Spiegelhalter 2005): additive overdispersion, the multiplicative factor phi, or plain Poisson limits "
              "(for outcome rates: on the logit scale, phi on the binomial variance, or binomial limits).")
@click.option("--overdispersion", is_flag=True, help="The same as --funnel multiplicative.")
@click.option("--by", "by", type=click.Choice(["rate", "change"]), default="rate", show_default=True,
              help="Rank by rate, or by % change from --baseline (default with --by change: the year before); "
                   "rank 1 the highest rate or the largest rise.")
@click.option("--per", type=click.Choice(["1000", "100000", "1000000"]), help="Rate per 1,000, 100,000 or "
              "1,000,000 (default: per 1,000; homicide per million, as ONS).")
@peer_options
@data_options
@output_options
def rank(measure, to, baseline, population_year, force, plot, funnel_method, overdispersion, by, per, peers,
         peer_groups, paths, fmt, output):
    """Rank all 43 forces by rate, with changes and funnel-plot positions.

    Example: crimestat rank --measure crime_excl_fraud --to 2014-06 --plot funnel.png
    """
    import crimestat

    from ..analyses.outcomes import is_outcome_measure
    from ..dataset import load_dataset

    if (peers or peer_groups) and not force:
        raise click.UsageError("--peers and --peer-groups need --force: whose group to rank")
    if measure and is_outcome_measure(measure) and (plot or baseline or population_year or per):
        raise click.UsageError(f"--measure {measure} is an outcome rate (a percentage of offences): --plot, "
                               "--baseline, --population-year and --per apply to crime rates")
    data = load_dataset(paths)
    result = crimestat.rank(measure, to, baseline, force=force, peers=peers, peer_groups=peer_groups,
                            funnel=funnel_method, per=per, population_year=population_year,
                            overdispersion=overdispersion, by=by, data=data)
    if plot:
        from ..render.charts import funnel_chart

        funnel = result.funnel
        if not funnel.points or not funnel.limits:
            from ..errors import CrimestatError

            why = result.england_and_wales.rate.note or "no force has a rate"
            raise CrimestatError(f"--plot {plot}: no funnel plot to draw: no force's rate can be set against "
                                 f"England and Wales's ({why})")
        funnel_chart(funnel.points, funnel.limits, funnel.target, result.funnel_title(), result.unit, plot,
                     result.source.short_citation)
    write_output(render(result, fmt), output)


@main.command()
@click.option("--force", "-f", "force", required=True, multiple=True,
              help="Force name, alias or ONS code, any case; repeat for several, or 'all' for the 43 forces.")
@click.option("--to", type=YEAR_MONTH, help="End of the 12 months, YYYY-MM (default: the latest in the data).")
@click.option("--baseline", type=YEAR_MONTH, help="Period to compare with, YYYY-MM (default: four years before).")
@click.option("--level", type=click.Choice(["group", "subgroup", "offence"]),
              help="Take the change apart by offence group, subgroup or offence code (default: subgroup where the "
                   "data have subgroups, else group).")
@click.option("--measure", help="Measure to take apart (default: crime excluding fraud); a name or label, any case.")
@click.option("--population-year", type=int, help="Mid-year population estimate for the rates.")
@data_options
@output_options
def breakdown(force, to, baseline, level, measure, population_year, paths, fmt, output):
    """Show what drove a force's change: each offence group's or subgroup's part in it, beside England and Wales.

    Example: crimestat breakdown --force warwickshire --baseline 2021-12 --level subgroup
    """
    import crimestat

    from ..dataset import load_dataset

    data = load_dataset(paths)
    result = crimestat.breakdown(force, to, baseline, level=level, measure=measure, population_year=population_year,
                                 data=data)
    write_output(render(result, fmt), output)


@main.command()
@click.option("--force", "-f", "force", required=True, help="Force name, alias or ONS code, any case.")
@click.option("--to", type=YEAR_MONTH, help="End of the 12 months, YYYY-MM (default: the latest with outcomes).")
@click.option("--group", metavar="GROUP", help='One offence group, such as "Violence against the person" '
              "(default: crimes excluding fraud).")
@click.option("--by-year", is_flag=True, help="The mix in every financial year of the outcomes series (charges, "
              "out-of-court outcomes by type, positive outcomes), force beside England and Wales.")
@click.option("--basis", type=click.Choice(["closed", "recorded"]), default="closed", show_default=True,
              help="With --by-year: outcomes assigned in the year (closed), or so far for crimes recorded in it.")
@data_options
@output_options
def outcomes(force, to, group, by_year, basis, paths, fmt, output):
    """Show a force's crime outcomes (charge/summons and the rest of the mix) beside England and Wales.

    Example: crimestat outcomes --force warwickshire --group "Violence against the person"
    (or: crimestat outcomes --force warwickshire --by-year --basis closed)
    """
    import crimestat

    from ..dataset import load_dataset

    write_output(render(crimestat.outcomes(force, to, group, by_year=by_year, basis=basis,
                                           data=load_dataset(paths)), fmt), output)
