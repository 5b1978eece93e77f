"""Random bytes and mangled CSV fed to every loader: nothing but crimestat's own errors may escape."""

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gzip

from conftest import DATA, SAMPLE
from crimestat.errors import CrimestatError
from crimestat.loaders.classification import load_classification
from crimestat.loaders.denominators import load_households, load_la_lookup, load_population
from crimestat.loaders.forces import load_forces
from crimestat.sources.home_office.parser import load_home_office_crime
from crimestat.loaders.indicators import load_indicators
from crimestat.loaders.outcome_types import load_outcome_types
from crimestat.sources.outcomes import load_outcomes
from crimestat.sources.ons.parser import load_ons_crime
from crimestat.loaders.peers import load_peer_groups

REGISTRY = load_forces()
# The packaged outcome types table, read once: load_outcomes reads this same table itself when given none (the
# fuzzed bytes are the outcomes file, never this table), and reading it for each of several hundred examples
# was a fifth of this file's time.
OUTCOME_TYPES = load_outcome_types()
LOADERS = [
    lambda s: load_ons_crime(s, REGISTRY),
    lambda s: load_population(s, REGISTRY),
    lambda s: load_households(s, REGISTRY),
    lambda s: load_indicators(s, REGISTRY),
    lambda s: load_peer_groups(s, REGISTRY),
    lambda s: load_classification(s),
    lambda s: load_forces(s),
    lambda s: load_la_lookup([s]),
    lambda s: load_home_office_crime(s, REGISTRY),
    lambda s: load_outcomes(s, REGISTRY, OUTCOME_TYPES),
]
SEEDS = [
    (SAMPLE / "releases/ons-2019/rec-crime-pfa.csv").read_bytes()[:600],
    (SAMPLE / "releases/ons-2019/pfa-population-mid2001-mid2019.csv").read_bytes()[:500],
    (SAMPLE / "releases/ons-2019/pfa-households-census-2011.csv").read_bytes()[:300],
    (SAMPLE / "releases/ons-2019/hmic-2014-published.csv").read_bytes(),
    b"force,peer\nKent,Essex\n",
    # Real rows of the Home Office crime tables and outcomes data (fixtures in tests/data).
    gzip.decompress((DATA / "home-office/prc-pfa-sample.csv.gz").read_bytes())[:600],
    gzip.decompress((DATA / "outcomes/three-forces.csv.gz").read_bytes())[:600],
    b"Financial Year,Financial Quarter,Force Name\r,Offence Code\x00,Number of Offences\n",
]


def feed(data: bytes) -> None:
    for loader in LOADERS:
        try:
            loader(io.BytesIO(data))
        except CrimestatError:
            pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data):
    feed(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 599), st.binary(max_size=8)), max_size=6))
def test_mangled_csv(seed, edits):
    data = bytearray(seed)
    for position, replacement in edits:
        position = min(position, len(data))
        data[position:position + len(replacement)] = replacement
    feed(bytes(data))


# The fast paths (a plainly shaped CSV split by str.split; the ONS crime rows checked a distinct value at a
# time) give what the careful paths give, row by row: the same rows, frame, errors and warnings.
PLAIN_ALPHABET = ["a", "b", "1", "-", ",", "\n", "\r", "\r\n", " ", "\t", '"', "\x00", "\x0c", "\u2028", "\x85"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PLAIN_ALPHABET), max_size=30), st.booleans())
def test_plain_csv_split_matches_the_csv_module(pieces, with_header):
    from test_csv_reader import assert_coded_columns_agree, outcome

    text = ("a,b\n" if with_header else "") + "".join(pieces)
    assert outcome(text) == outcome(text, careful=True)
    assert_coded_columns_agree(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 599), st.binary(max_size=8)), max_size=6))
def test_ons_fast_and_careful_paths_agree_on_mangled_rows(edits):
    from test_loaders import assert_same_outcomes

    data = bytearray(SEEDS[0])
    for position, replacement in edits:
        position = min(position, len(data))
        data[position:position + len(replacement)] = replacement
    assert_same_outcomes(lambda: io.BytesIO(bytes(data)), REGISTRY)


PLAIN_CELL = st.text(alphabet=["a", "1", " ", "\t", "\x0c", "\u2028", "\x85", "\ufeff"], max_size=4)
CELL = st.one_of(PLAIN_CELL, PLAIN_CELL, PLAIN_CELL, st.sampled_from(["a,b", "\r", '"', "\x00", "x" * 131072]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(CELL, min_size=2, max_size=2), min_size=1, max_size=6), st.sampled_from(["\n", "\r\n"]))
def test_arrow_columns_match_the_csv_module(rows, newline):
    # Rows of mostly plain cells (the odd comma, quote or carriage return makes one irregular): what Arrow
    # reads is what the csv module reads, or the csv module's reading is used.
    from test_csv_reader import assert_coded_columns_agree

    text = "a,b\n" + "".join(",".join(row) + newline for row in rows)
    assert_coded_columns_agree(text)
