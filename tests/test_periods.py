"""Period ends, comparisons and the population year rule."""

import pytest

from crimestat.model import periods
from datetime import date

from crimestat.errors import PeriodNotCoveredError, UsageError
from crimestat.model.periods import as_period

T = as_period  # period ends are plain dates


@pytest.mark.parametrize(
    "end, year",
    [("2014-06-30", 2013), ("2014-09-30", 2014), ("2014-03-31", 2013), ("2014-12-31", 2014), ("2003-03-31", 2002)],
)
def test_population_year_is_latest_mid_year_strictly_before(end, year):
    assert periods.population_year(T(end)) == year


def test_years_before_keeps_month_end():
    assert periods.years_before(T("2014-06-30"), 4) == T("2010-06-30")
    assert periods.years_before(T("2016-02-29"), 1) == T("2015-02-28")


def test_resolve_defaults_to_latest_and_names_range(dataset):
    available = dataset.counts.periods
    assert periods.resolve(None, available) == T("2018-12-31")
    with pytest.raises(PeriodNotCoveredError) as err:
        periods.resolve(T("2006-06-30"), available)
    assert str(err.value) == (
        "to=2006-06: no 12-month period ends in June 2006 in the crime data; the data cover the 12 months to "
        "March 2003 through the 12 months to December 2018 (yearly periods until March 2007, then every quarter)"
    )


def test_as_period_gives_plain_dates():
    import datetime

    import pandas as pd

    expected = datetime.date(2014, 6, 30)
    for given in (expected, datetime.datetime(2014, 6, 30, 0, 0), pd.Timestamp("2014-06-30"), "2014-06-30"):
        value = periods.as_period(given)
        assert value == expected and type(value) is datetime.date
    assert hash(periods.as_period(pd.Timestamp("2014-06-30"))) == hash(expected)  # usable as a dict key


def test_a_year_later_stays_on_the_month_end_across_leap_years():
    # A changeover at the end of February 2011 completes 12 months at the end of February 2012 (the 29th).
    assert periods.years_before(T("2011-02-28"), -1) == T("2012-02-29")
    assert periods.years_before(T("2012-02-29"), -1) == T("2013-02-28")


@pytest.mark.parametrize("text, expected", [
    ("2014-06", date(2014, 6, 30)), ("2014-6", date(2014, 6, 30)), ("2014-06-30", date(2014, 6, 30)),
    (" 2016-02 ", date(2016, 2, 29)), ("2015-02-28", date(2015, 2, 28)),
])
def test_parse_month_accepts_the_forms_users_type(text, expected):
    assert periods.parse_month(text) == expected


@pytest.mark.parametrize("text", ["2014-13", "2014-00", "2014-06-29", "14-06", "June 2014", "2014/06", ""])
def test_parse_month_refuses_impossible_months_naming_the_parameter(text):
    with pytest.raises(UsageError) as err:
        periods.parse_month(text, "baseline")
    assert err.value.parameter == "baseline"


def test_month_end_is_the_calendar_month_end_in_every_month_including_leap_februaries():
    import calendar

    from crimestat.model.periods import month_end

    for year in (1, 1900, 2000, 2023, 2024, 9999):
        for month in range(1, 13):
            assert month_end(year, month).day == calendar.monthrange(year, month)[1], (year, month)
