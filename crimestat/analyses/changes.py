"""Each force's change judged against England and Wales's change, with additive overdispersion.

Recorded crime is a census: forces' changes differ from one another far more than Poisson noise in their
counts would make them, so an exact Poisson test flags nearly every change (35 of 43 forces on one year
to June 2014). Following Spiegelhalter (2005, random effects) and HMIC's framing, a force's change is
compared with England and Wales's change, allowing for the spread that forces' changes normally show
(``tau``), estimated from all 43 territorial forces for the same measure and the same two periods::

    z = [ln(c_t / c_b) - ln(C_t / C_b)] / sqrt(1/c_t + 1/c_b + tau**2)

The estimate needs every force's counts, so it is computed once per (measure, current, base) and dataset
and shared by ``compare`` (one force) and ``rank`` (every force). No test is made when the two 12-month
windows overlap (their counts share months, so they are not independent) or when a force's count is
missing (``tau`` describes all forces or none); :attr:`ChangeTests.reason` says why.

``tau`` is estimated by Paule and Mandel's method made robust (``metrics.overdispersion.additive_tau2``),
which under the model marks 5% of ordinary forces, about 2 of the 43, by chance alone. A change on fewer than
``SMALL_NUMBERS`` crimes in either period keeps its z but is never marked: its note says "small numbers".
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..model import periods
from ..model.forces import ENGLAND_AND_WALES_CODE
from ..metrics.overdispersion import TAU2_NAMES, Z_CRITICAL, relative_change_tau2

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..results import Row


@dataclass(frozen=True)
class ForceChange:
    """One force's z and two-sided p against England and Wales's change, or why it has none."""

    z: float | None
    p: float | None
    note: str = ""


@dataclass(frozen=True)
class ChangeTests:
    """The change test for every territorial force for one measure and pair of periods.

    ``tau`` is None and ``reason`` says why when no force is tested (overlapping windows, missing counts).
    """

    measure: str
    current: date
    base: date
    tau: float | None
    forces: dict[str, ForceChange] = field(default_factory=dict)
    reason: str = ""
    n: int = 0  # forces the spread was estimated from

    def of(self, area_code: str) -> ForceChange | None:
        return self.forces.get(area_code)


#: A rate or change on fewer crimes than this in either period is noted as small numbers and never marked.
SMALL_NUMBERS = 50

#: What a marked change says in the ``verdict`` column of CSV and JSON (a † in tables).
DIFFERS = "differs"

#: The share of forces marked by chance alone when none differs: the test's two-sided level.
CHANCE_SHARE = 0.05


def small_numbers(*counts: float | None) -> bool:
    """Whether any of the counts is under ``SMALL_NUMBERS`` (a missing count is not small: it has its own note)."""
    return any(c is not None and c < SMALL_NUMBERS for c in counts)


def small_numbers_note(current: float, base: float) -> str:
    """The note on a change with small numbers: why it is not judged."""
    return (f"small numbers: {current:,.0f} and {base:,.0f} crimes, fewer than {SMALL_NUMBERS} in a period, so the "
            "change is not judged against England and Wales's")


def by_chance(forces: int = 43) -> str:
    """How many of ``forces`` would be marked by chance alone, in words for notes."""
    return (f"by chance alone about {round(forces * CHANCE_SHARE)} of the {forces} forces' changes would be marked "
            f"({CHANCE_SHARE:.0%} at |z| > {Z_CRITICAL})")


def estimator_name(method: str = "robust-paule-mandel") -> str:
    """The name of the between-force variance estimator, for notes."""
    return TAU2_NAMES[method]


def months_shared(current: date, base: date) -> int:
    """How many months two 12-month windows ending on ``current`` and ``base`` have in common."""
    apart = abs((current.year - base.year) * 12 + current.month - base.month)
    return max(0, 12 - apart)


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def change_tests(data: Dataset, measure: str, current: date, base: date) -> ChangeTests:
    """The change test of every territorial force for ``measure`` from the 12 months to ``base`` to those to
    ``current`` (cached per dataset)."""
    cache = _CACHE.setdefault(data, {})
    key = (measure, current, base)
    if key not in cache:
        cache[key] = _change_tests(data, measure, current, base)
    return cache[key]


def _change_tests(data: Dataset, measure: str, current: date, base: date) -> ChangeTests:
    shared = months_shared(current, base)
    if shared:
        return ChangeTests(measure, current, base, None, reason=(
            f"not tested: the {periods.label(base)} and the {periods.label(current)} share {shared} "
            f"month{'s' if shared != 1 else ''}, so their counts are not independent"))
    if base not in data.counts.periods:
        return ChangeTests(measure, current, base, None, reason=f"not tested: the data have no {periods.label(base)}")
    forces = data.registry.territorial
    codes = [f.code for f in forces]
    counts = dict(zip(codes, zip(data.counts.counts(measure, codes, base), data.counts.counts(measure, codes, current))))
    missing = [f.name for f in forces if not (counts[f.code][0].ok and counts[f.code][1].ok)]
    if missing:
        listed = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        return ChangeTests(measure, current, base, None, reason=(
            f"not tested: {len(missing)} of the {len(forces)} forces have no count ({listed}), and the spread "
            "between forces is estimated from all of them"))
    try:
        result = relative_change_tau2([float(counts[f.code][0].value) for f in forces],  # type: ignore[arg-type]
                                      [float(counts[f.code][1].value) for f in forces],  # type: ignore[arg-type]
                                      names=[f.name for f in forces])
    except ValueError as exc:
        return ChangeTests(measure, current, base, None, reason=f"not tested: {exc}")
    tested = {}
    for i, f in enumerate(forces):
        z, p = float(result.z[i]), float(result.p[i])
        tested[f.code] = (ForceChange(None, None, result.reasons[i]) if math.isnan(z) else ForceChange(z, p))
    return ChangeTests(measure, current, base, result.tau, tested, n=result.estimate.n)


def apply(row: Row, tests: ChangeTests) -> None:
    """Put a force's z, p and tau on its change row, and ``verdict = "differs"`` when |z| > 1.96 on 50 or more
    crimes in both periods (decided here, once); England and Wales gets none (it is the reference)."""
    if row.area_code == ENGLAND_AND_WALES_CODE or tests.tau is None:
        return
    found = tests.of(row.area_code)
    if found is None or found.z is None:
        return
    row.z, row.p_value, row.tau = found.z, found.p, tests.tau
    if abs(found.z) > Z_CRITICAL and not small_numbers(row.numerator, row.denominator):
        row.verdict = DIFFERS


def differs(row: Row) -> bool:
    """Whether a change row's force differs from England and Wales's change (its verdict is "differs")."""
    return row.statistic == "pct_change" and row.verdict == DIFFERS
