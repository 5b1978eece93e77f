"""``crimestat report``: the "Crime" section of an HMIC inspection report, written from the figures.

The sentences follow HMIC's 2014 wording; the words (reduced / increased / did not change, broadly in
line with / higher than / lower than) are chosen from the figures as rounded for print, so the text and
the table never disagree.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..model import periods
from .base import resolve_force
from .compare import Comparison, compare
from ..model.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE, Force
from ..model.peers import PeerGroups
from .indicators import IndicatorOptions, IndicatorPart, IndicatorSet
from ..dataset import Dataset
from ..metrics.rounding import round_half_up
from ..results import Cell, Row, Section
from .trend import trend

VICTIM_BASED = ("victim-based crime (i.e., crimes where there is a direct victim such as an individual, a "
                "group, or an organisation)")


@dataclass
class Block:
    """One piece of the report: a heading, a paragraph, a table, a figure or a note."""

    kind: str  # "h1", "h2", "p", "table", "figure", "note", "list"
    text: str = ""
    section: Section | None = None
    items: list[str] = field(default_factory=list)


@dataclass
class Report:
    title: str
    blocks: list[Block]
    chart: Any = None  # the Trend the figure is drawn from
    notes: list[str] = field(default_factory=list)


def whole(value: float) -> int:
    return int(round_half_up(value, 0))


def change_words(value: float, verb: str = "reduced") -> str:
    """'reduced by 15 percent', 'increased by 3 percent' or 'did not change' (from the rounded figure)."""
    n = whole(value)
    if n == 0:
        return "did not change"
    rise = {"reduced": "increased", "decreased": "increased"}[verb]
    return f"{verb if n < 0 else rise} by {abs(n)} percent"


def change_noun(value: float) -> str:
    """'a reduction of 16 percent', 'an increase of 2 percent' or 'no change'."""
    n = whole(value)
    if n == 0:
        return "no change"
    return f"{'a ' if n < 0 else 'an '}{'reduction' if n < 0 else 'increase'} of {abs(n)} percent"


def change_adjective(value: float) -> str:
    """'a 1 percent reduction', 'a 2 percent increase' or 'no change'."""
    n = whole(value)
    if n == 0:
        return "no change"
    return f"a {abs(n)} percent {'reduction' if n < 0 else 'increase'}"


def comparison_words(mine: float, other: float) -> str:
    """'lower than', 'higher than' or 'the same as', judged on whole percents as printed."""
    a, b = whole(mine), whole(other)
    return "lower than" if a < b else "higher than" if a > b else "the same as"


def _pm(value: float, row: Row) -> str:
    text = f"{round_half_up(value, 1)} percent"
    if row.ci_low is not None and row.ci_high is not None:
        half = (row.ci_high - row.ci_low) / 2
        text += f" (± {round_half_up(half, 1)} percent)"
    return text


def build_report(data: Dataset, force: Force | str, to: date | str | None = None,
                 indicators: IndicatorSet | None = None, options: IndicatorOptions | None = None,
                 peers: PeerGroups | None = None) -> Report:
    """The report for a force and period, from the same figures ``compare`` gives: the headline changes, the
    rates beside England and Wales (and, with ``peers``, beside the peer average and each peer), what changed
    (the offence groups that contributed most, up and down, with registered counting-rule changes named), the
    trend, the force's place with its interval, outcomes with their maturity, method and sources. It says only
    what the data have, and nothing about how crimestat is run."""
    options = options or IndicatorOptions()
    force = resolve_force(data, force)
    result = compare(data, force, to, indicators=indicators, options=options, peers=peers)
    current, base = result.periods.current, result.periods.baseline
    name, police = force.name, police_name(force)

    blocks = [Block("h1", f"Crime inspection statistics: {police}"), Block("h2", "Crime")]
    long = result.change("crime_excl_fraud", "baseline")
    if long and long.force.value is not None and long.england_and_wales.value is not None:
        blocks.append(Block("p", (
            f"When compared with the {periods.label(base)}, recorded crime (excluding fraud) in the "
            f"{periods.label(current)} {change_words(long.force.value)} in {name} compared with "
            f"{change_noun(long.england_and_wales.value)} across all forces in England and Wales.")))
    else:
        why = (long.force.note or long.england_and_wales.note) if long else "no such comparison"
        blocks.append(Block("p", f"A comparison with the {periods.label(base)} is not available: {why}."))
    victim = result.change("victim_based_crime", "baseline")
    if victim and victim.force.value is not None and victim.england_and_wales.value is not None:
        blocks.append(Block("p", (
            f"Over this period, {VICTIM_BASED} {change_words(victim.force.value, 'decreased')} in {name}, compared "
            f"with {change_noun(victim.england_and_wales.value)} across England and Wales.")))
    one_year = result.change("crime_excl_fraud", "year")
    if one_year and one_year.force.value is not None and one_year.england_and_wales.value is not None:
        blocks.append(Block("p", (
            f"Looking at the 12 months prior to the end of {current:%B %Y}; recorded crime (excluding fraud) in "
            f"{name} {change_words(one_year.force.value)}. This is compared with "
            f"{change_adjective(one_year.england_and_wales.value)} across England and Wales.")))

    start = periods.years_before(current, 4)
    chart = trend(data, force, start if start in data.counts.periods else None, current)
    first = chart.period_ends[0]
    blocks.append(Block("figure", f"Figure: Recorded crime rate (per 1,000 population) between {first:%B %Y} "
                                  f"and {current:%B %Y}."))

    has_asb = result.indicators is not None and result.indicators.has_file
    what = "recorded crimes and incidents of anti-social behaviour occur" if has_asb else "recorded crimes occur"
    rates = "crime and anti-social behaviour rates" if has_asb else "crime rates"
    group = peers.group(force.code) if peers is not None else None
    beside = ("its peer group of similar forces (the peer average and each peer) and England and Wales" if group
              else "the rest of England and Wales")
    blocks.append(Block("p", (
        f"By looking at how many {what} per 1,000 population, we get an indication of how safe it is for the "
        f"public in that police area. The table below shows {rates} in {name} (per 1,000 population) compared "
        f"with {beside}.")))
    table, notes = _peer_table(data, result, force, group) if group else _rates_table(result, police)
    blocks.append(Block("table", section=table))
    for note in notes:
        blocks.append(Block("note", note))
    blocks += _what_changed(data, force, result)

    placed = _place(data, result, force, name)
    if placed:
        blocks.append(Block("p", placed))
    blocks += _indicator_blocks(result.indicators, force, police, name)
    blocks += _outcome_mix(data, force, result.indicators)
    blocks.append(Block("h2", "Method and sources"))
    blocks.append(Block("list", items=_method(data, result, options)))
    return Report(f"{police}: crime, {periods.label(current)}", blocks, chart, [n.text for n in result.notes])


def police_name(force: Force) -> str:
    """The force's own name, as HMIC's reports use it ('Warwickshire Police')."""
    for alias in force.aliases:
        if alias.endswith(("Police", "Constabulary", "Police Service")) and alias.lower().startswith(force.name.split()[0].lower()):
            return alias
    return force.name


def _rates_table(result: Comparison, police: str) -> tuple[Section, list[str]]:
    body = []
    missing = []
    current = result.periods.current
    for line in result.rates:
        info = line.measure
        star = "*" if info.denominator == "households" else ""
        pair = [line.force, line.england_and_wales]
        body.append([Cell(info.label + star)] + [Cell(r.value, "rate") for r in pair])
        missing += [f"{info.label}, {r.area}: {r.note}" for r in pair if r.value is None]
    asb_note = ""
    part = result.indicators
    if part is not None and part.has_file:
        period = part.asb_period if not part.empty else part.to
        body.append([Cell("Anti-social behaviour incidents*")] + [Cell(r.value, "rate") for r in part.asb_rate])
        if period is not None and period != current:
            asb_note = f"anti-social behaviour data is for the {periods.label(period)} and "
    households = [line.measure.label for line in result.rates if line.measure.denominator == "households"]
    notes = [f"*Note that {asb_note}the rate for {households[0].lower() if households else 'burglary in a dwelling'} "
             "is the rate per 1,000 households, not population."]
    notes += [f"Not available: {m}" for m in missing]
    headers = [periods.label(current), f"{police} rate (per 1,000 population)",
               "England and Wales total rate (per 1,000 population)"]
    return Section(headers, body, ["left", "right", "right"]), notes


def _peer_table(data: Dataset, result: Comparison, force: Force, group: list[str]) -> tuple[Section, list[str]]:
    """The headline rates with an area a row: the force, each peer, the peer average, England and Wales."""
    from .figures import rate_row

    current = result.periods.current
    lines = result.rates
    headers = [periods.label(current)] + [line.measure.label + ("*" if line.measure.denominator == "households"
                                                                else "") for line in lines]
    body = [[Cell(force.name)] + [Cell(line.force.value, "rate") for line in lines]]
    missing = [f"{line.measure.label}, {force.name}: {line.force.note}" for line in lines if line.force.value is None]
    for code in group[1:]:
        peer = data.registry.by_code(code)
        rows = [rate_row(data, line.measure.measure, code, current, None, line.force.per or 1000) for line in lines]
        body.append([Cell(peer.name)] + [Cell(r.value, "rate") for r in rows])
        missing += [f"{line.measure.label}, {peer.name}: {r.note}" for line, r in zip(lines, rows) if r.value is None]
    averages = [line.peer_average for line in lines]
    body.append([Cell(f"Peer average ({len(group)} forces)")] + [Cell(a.value if a else None, "rate") for a in averages])
    body.append([Cell(ENGLAND_AND_WALES)] + [Cell(line.england_and_wales.value, "rate") for line in lines])
    households = [line.measure.label for line in lines if line.measure.denominator == "households"]
    notes = [f"Rates per 1,000 population{'; *' + households[0].lower() + ' per 1,000 households' if households else ''}."
             " The peer average is the simple mean of the group's rates, the force's own included (HMIC's "
             "comparator)."]
    notes += [f"Not available: {m}" for m in missing]
    return Section(headers, body, ["left"] + ["right"] * len(lines)), notes


def _what_changed(data: Dataset, force: Force, result: Comparison) -> list[Block]:
    """What drove the change since the baseline (``analyses.breakdown``): a heading, the paragraph naming the
    largest contributions up and down and the registered counting-rule changes the two periods straddle, and
    a table of those contributions; nothing where the data cannot take the change apart."""
    from ..errors import UsageError
    from .breakdown import breakdown, what_changed

    try:
        drivers = breakdown(data, force, chosen=result.periods)
    except UsageError:
        return []
    if drivers.total.change.value is None or not drivers.lines:
        return []
    rises, falls = drivers.largest(3)
    base, current = result.periods.baseline, result.periods.current
    body = [[Cell(line.measure.label), Cell(line.change.denominator, "count"), Cell(line.change.numerator, "count"),
             Cell(line.difference, "signed_count"), Cell(line.contribution.value, "rate")] for line in rises + falls]
    note = ("Points: each offence group's change in count as a share of all the force's crime (excluding fraud) in "
            f"the {periods.label(base)}; the points of all groups add up to the total's change in percent.")
    return [Block("h2", "What changed"), Block("p", what_changed(drivers)),
            Block("table", section=Section(["Offence group", f"{base:%b %Y}", f"{current:%b %Y}", "Change",
                                            "Points"], body, ["left", "right", "right", "right", "right"])),
            Block("note", note)]


def _outcome_mix(data: Dataset, force: Force, part: IndicatorPart | None) -> list[Block]:
    """The outcome mix beside England and Wales for the charge/summons rate's period (where the release has
    outcomes): the same table as ``crimestat outcomes`` shows first."""
    if part is None or not part.charge or part.charge[0].period_end is None or data.outcomes is None:
        return []
    from ..errors import CrimestatError
    from .outcomes import outcomes

    try:
        mix = outcomes(data, force, part.charge[0].period_end)
    except CrimestatError:
        return []
    table = mix.view().sections[0]
    return [Block("p", "The table below shows what happened to the offences recorded in the period, as a "
                       "percentage of them, beside England and Wales. Offences recorded late in the period have "
                       "had less time to reach an outcome, so some are still waiting for one."),
            Block("table", section=table)]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


_RANKINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _place(data: Dataset, result: Comparison, force: Force, name: str) -> str:
    """Where the force's rate of crime excluding fraud ranks among the 43 forces, with its 95% interval."""
    from .rank import rank

    if not force.territorial or result.rate("crime_excl_fraud") is None:
        return ""
    kept = _RANKINGS.setdefault(data, {})
    if result.periods not in kept:  # one ranking (4,000 simulated league tables) serves every force's report
        kept[result.periods] = rank(data, "crime_excl_fraud", chosen=result.periods)
    ranking = kept[result.periods]
    entry = next((e for e in ranking.entries if e.code == force.code), None)
    if entry is None or entry.rank is None or entry.position.ci_low is None or entry.position.ci_high is None:
        return ""
    low, high = int(entry.position.ci_low), int(entry.position.ci_high)
    interval = (f"{_ordinal(low)} to {_ordinal(high)}" if low != high else f"{_ordinal(low)} only")
    return (f"Among the {ranking.forces} forces of England and Wales, {name}'s rate of recorded crime (excluding "
            f"fraud) is the {_ordinal(entry.rank)} highest; allowing for chance and for the spread between forces, "
            f"its place could be anywhere from {interval} (a 95% interval by simulation), so forces a few places "
            "apart are not reliably different.")


def _maturity(part: IndicatorPart) -> str:
    """", as at 23 April 2026, when 1.3 percent of those offences had no outcome yet (England and Wales 2.5)"."""
    if not part.pending or part.pending[0].value is None:
        return ""
    mine, other = part.pending
    as_at = f" as at {part.as_at.day} {part.as_at:%B %Y}," if part.as_at else ""
    whole = f" (England and Wales {round_half_up(other.value, 1)})" if other.value is not None else ""
    return (f",{as_at} when {round_half_up(mine.value, 1)} percent of those offences had not yet been assigned an "
            f"outcome{whole}")


def _indicator_blocks(part: IndicatorPart | None, force: Force, police: str, name: str) -> list[Block]:
    blocks: list[Block] = []
    if part is None:
        return blocks
    if part.charge:
        mine, other = part.charge
        if mine.value is not None and other.value is not None:
            blocks.append(Block("p", (
                f"{name}'s charge/summons rate (for crimes excluding fraud) for the 12 months to the end of "
                f"{mine.period_end:%B %Y} was {round_half_up(mine.value, 1)} percent which was "
                f"{_compare_tenths(mine.value, other.value)} the {round_half_up(other.value, 1)} percent for "
                "England and Wales" + _maturity(part) + ".")))
        else:
            blocks.append(Block("p", f"The charge/summons rate for {name} is not available: "
                                     f"{mine.note or other.note}."))
    closed = part.charge_closed
    if closed is not None and closed.rates and closed.rates[0].value is not None and closed.rates[1].value is not None:
        mine, other = closed.rates
        sentence = (f"Of the investigations {name} closed in the 12 months to the end of {mine.period_end:%B %Y}, "
                    f"{round_half_up(mine.value, 1)} percent ended in a charge or summons, "
                    f"{_compare_tenths(mine.value, other.value)} the {round_half_up(other.value, 1)} percent for "
                    "England and Wales")
        moves = []
        for base, (change, _) in closed.changes:
            if change.value is not None:
                rounded = round_half_up(change.value, 1)
                moves.append(f"{'up' if rounded > 0 else 'down' if rounded < 0 else 'unchanged'}"
                             f"{'' if rounded == 0 else f' {abs(rounded)} percentage points'} on the 12 months to "
                             f"{base:%B %Y}")
        blocks.append(Block("p", sentence + (f" ({'; '.join(moves)})" if moves else "") + "."))
    if not part.has_file:
        return blocks  # the report shows what the data have; it does not list what they lack
    mine, other = part.detection
    if mine.value is not None and other.value is not None:
        blocks.append(Block("p", (
            f"{name}'s detection rate (for crimes excluding fraud) for the 12 months to the end of "
            f"{mine.period_end:%B %Y} was {whole(mine.value)} percent which was "
            f"{comparison_words(mine.value, other.value)} the {whole(other.value)} percent for England and Wales.")))
    else:
        blocks.append(Block("p", f"Detection rates for {name} are not available: {mine.note or other.note}."))

    cur_f, cur_e = part.satisfaction
    against_ew, against_year = part.against_england_and_wales, part.against_previous_year
    assert against_ew is not None and against_year is not None  # set whenever an indicators file is given
    prev_f = part.previous_satisfaction[0]
    if cur_f.value is not None and cur_e.value is not None and against_ew.verdict:
        text = (f"In the 12 months to the end of {cur_f.period_end:%B %Y}, {police} had a victim satisfaction rate of "
                f"{_pm(cur_f.value, cur_f)} which is {_verdict(against_ew.verdict)} the satisfaction rate in England "
                f"and Wales of {_pm(cur_e.value, cur_e)}.")
        if prev_f.value is not None and against_year.verdict:
            text += (f" Its current rate is {_verdict(against_year.verdict)} the {_pm(prev_f.value, prev_f)} "
                     f"recorded for {name} in the previous year.")
        blocks.append(Block("p", text))
    else:
        why = cur_f.note or "the indicators file has no satisfaction figures"
        blocks.append(Block("p", f"Victim satisfaction for {name} is not available: {why}."))

    asb_rate, asb_change = part.asb_rate[0], part.asb_change[0]
    if asb_rate.numerator is not None and asb_rate.period_end is not None:
        text = (f"In the {periods.label(asb_rate.period_end)}, {police} recorded {asb_rate.numerator:,} incidents of "
                "anti-social behaviour.")
        if asb_change.value is not None:
            n = whole(asb_change.value)
            text += (" This is no change against the previous 12 months." if n == 0 else
                     f" This is {'a reduction' if n < 0 else 'an increase'} of {abs(n)} percent against the "
                     "previous 12 months.")
        blocks.append(Block("p", text))
    return blocks


def _compare_tenths(mine: float, other: float) -> str:
    """'lower than', 'higher than' or 'the same as', judged on the figures as printed (one decimal place)."""
    a, b = round_half_up(mine, 1), round_half_up(other, 1)
    return "lower than" if a < b else "higher than" if a > b else "the same as"


def _verdict(word: str) -> str:
    return {"broadly in line": "broadly in line with", "higher": "higher than", "lower": "lower than"}[word]


def _method(data: Dataset, result: Comparison, options: IndicatorOptions) -> list[str]:
    source = result.source
    release = data.release
    current = result.periods.current
    series = f" Release: {release.name}, {release.title}." if release is not None else ""
    population = data.denominators.get("population", ENGLAND_AND_WALES_CODE, current)
    homes = data.denominators.get("households", ENGLAND_AND_WALES_CODE, current)
    households = [line.measure.label.lower() for line in result.rates if line.measure.denominator == "households"]
    items = [
        f"Recorded crime: {source.cited_as} ({source.period_description}). England and Wales is the sum of "
        f"the {len(data.registry.territorial)} territorial forces.{series}",
        "Rates per 1,000 population use the latest ONS mid-year population estimate dated before the period ends "
        f"({(release.population or 'the revised estimates') if release is not None else 'the revised estimates'}; "
        f"here {population.description})"
        + (f"; {households[0]} uses {homes.description} households." if households and homes.ok else "."),
        "The data are later revisions of the figures first published, so a figure can differ slightly from one "
        "printed at the time.",
        "Changes: (current − base) × 100 ÷ base, rounded to whole percent. A force's change is judged against "
        "England and Wales's allowing for the spread between forces (additive overdispersion, Spiegelhalter "
        "2005). An offence group's contribution is its change in count as a share of the earlier period's "
        "total, in percentage points.",
    ]
    part = result.indicators
    if part is not None and part.charge:
        items.append("Charge/summons rate: Home Office crime outcomes open data, outcomes of type 1 (charged or "
                     "summonsed) as a percentage of all outcomes for offences recorded in the 12 months (every "
                     "offence has one outcome row, 'not yet assigned' included), crimes excluding fraud.")
    if part is not None and part.charge_closed is not None and part.charge_closed.rates:
        items.append("Charge/summons rate of investigations closed: outcomes of type 1 as a percentage of all outcomes "
                     "assigned in the 12 months, whenever the crime was recorded (crimes excluding fraud), from the "
                     "Home Office outcomes open data summed by force and quarter; changes in percentage points."
                     + (f" Release: {data.used['outcome_series'].name}, {data.used['outcome_series'].title}."
                        if "outcome_series" in data.used else ""))
    if part is not None and part.has_file:
        items.append(
            "Victim satisfaction: 95% intervals as published, or Wilson intervals from respondent counts; "
            "'broadly in line' where the intervals overlap" + (" (z-test verdicts were asked for)" if options.verdict
                                                                 == "z-test" else "") + ".")
        items.append("Detection rates, anti-social behaviour and satisfaction: "
                     + ("; ".join(part.sources) if part.sources else "none given") + ".")
    items.append("Contains public sector information licensed under the Open Government Licence v3.0.")
    return items
