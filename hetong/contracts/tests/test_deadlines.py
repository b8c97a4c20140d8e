"""The deadline engine, exhaustively: month ends, leap years, holidays and make-up days, unknown years,
tacit renewals, and no rounding that shortens a notice period."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hetong.contracts.deadlines import (
    KeyTerms,
    current_term,
    notice_deadline,
    notice_longer_than_term,
    renewals_due,
    term,
)
from hetong.core.dates import shift
from hetong.core.workdays import WorkCalendar

D = dt.date.fromisoformat
CN = WorkCalendar()


@pytest.mark.parametrize(
    ("end", "period", "unit", "deadline"),
    [
        ("2026-03-31", 1, "months", "2026-02-28"),  # a Saturday, but a Spring Festival make-up workday
        ("2026-03-21", 1, "months", "2026-02-14"),  # back over the Spring Festival (15-23 Feb) to make-up Saturday 14 Feb
        ("2026-02-28", 1, "months", "2026-01-28"),
        ("2026-12-31", 3, "months", "2026-09-30"),
        ("2026-06-30", 60, "days", "2026-04-30"),  # 1 May is Labour Day; 30 April a workday
        ("2026-06-30", 2, "months", "2026-04-30"),
        ("2026-06-15", 2, "weeks", "2026-06-01"),
        ("2024-03-29", 1, "months", "2024-02-29"),  # leap day, a Thursday workday
        ("2025-03-29", 1, "months", "2025-02-28"),
        ("2025-02-28", 1, "years", "2024-02-28"),
    ],
)
def test_notice_deadline_counts_back_calendar_units(end, period, unit, deadline):
    assert notice_deadline(D(end), period, unit, CN) == D(deadline)


def test_thirty_first_of_january_minus_one_month():
    # 31 Jan 2027 - 1 month would be 31 Dec 2026, a Thursday workday.
    assert notice_deadline(D("2027-01-31"), 1, "months", CN) == D("2026-12-31")
    # 31 Mar minus one month clamps to the end of February, never into March.
    assert notice_deadline(D("2026-03-31"), 1, "months", CN) <= D("2026-02-28")


@pytest.mark.parametrize(
    ("end", "period", "deadline"),
    [
        ("2026-10-31", 30, "2026-09-30"),  # 1 Oct: National Day; back over the holiday to 30 Sep
        ("2026-10-08", 1, "2026-09-30"),  # 7 Oct, still the holiday
        ("2026-11-09", 30, "2026-10-10"),  # Saturday 10 Oct is a make-up workday (调休): it stays
        ("2026-10-20", 30, "2026-09-20"),  # Sunday 20 Sep is a make-up workday too
        ("2026-11-10", 30, "2026-10-10"),  # Sunday 11 Oct is a day off: back to the make-up Saturday
        ("2026-11-17", 30, "2026-10-16"),  # an ordinary weekend: back to Friday
    ],
)
def test_national_day_2026_and_its_make_up_workdays(end, period, deadline):
    assert notice_deadline(D(end), period, "days", CN) == D(deadline)


def test_an_unknown_year_falls_back_to_weekends_and_the_overrides():
    # 1 May 2027 is a Saturday; the library has no 2027 schedule, so weekends alone decide.
    assert notice_deadline(D("2027-05-03"), 2, "days", CN) == D("2027-04-30")
    assert CN.unknown_years([D("2027-05-01"), D("2026-05-01")]) == {2027}
    with_overrides = WorkCalendar({D("2027-04-30"): False, D("2027-04-25"): True})
    assert notice_deadline(D("2027-05-03"), 2, "days", with_overrides) == D("2027-04-29")
    assert with_overrides.is_workday(D("2027-04-25"))  # a Sunday made a workday
    assert with_overrides.unknown_years([D("2027-05-01")]) == set()


def test_overrides_win_over_the_library():
    calendar = WorkCalendar({D("2026-09-30"): False})
    assert notice_deadline(D("2026-10-31"), 30, "days", calendar) == D("2026-09-29")


def test_no_notice_period_or_no_end_means_no_deadline():
    assert notice_deadline(None, 30, "days", CN) is None
    assert notice_deadline(D("2026-12-31"), None, "days", CN) is None


AUTO = KeyTerms(D("2025-01-01"), D("2025-12-31"), auto_renew=True, renewal_term=12, renewal_unit="months",
                notice_period=60, notice_unit="days")


def test_first_term_runs_from_effective_to_end():
    assert term(AUTO, 0) == term(AUTO, 0).__class__(0, D("2025-01-01"), D("2025-12-31"))


def test_roll_forward_after_one_tacit_renewal():
    current = current_term(AUTO, 0, D("2026-01-01"))
    assert (current.number, current.start, current.end) == (1, D("2026-01-01"), D("2026-12-31"))
    # The deadline follows the new term, not the original end date.
    assert notice_deadline(current.end, AUTO.notice_period, AUTO.notice_unit, CN) == D("2026-10-30")


def test_roll_forward_after_three_tacit_renewals():
    current = current_term(AUTO, 0, D("2028-03-01"))
    assert (current.number, current.start, current.end) == (3, D("2028-01-01"), D("2028-12-31"))
    assert renewals_due(AUTO, 3, D("2028-03-01")) == 3  # idempotent once recorded


def test_the_last_day_of_a_term_is_still_that_term():
    assert current_term(AUTO, 0, D("2025-12-31")).number == 0
    assert current_term(AUTO, 0, D("2026-01-01")).number == 1


def test_month_end_terms_do_not_drift():
    monthly = KeyTerms(D("2026-01-01"), D("2026-01-31"), auto_renew=True, renewal_term=1, renewal_unit="months")
    ends = [term(monthly, n).end for n in range(4)]
    assert ends == [D("2026-01-31"), D("2026-02-28"), D("2026-03-31"), D("2026-04-30")]
    assert term(monthly, 2).start == D("2026-03-01")


def test_contracts_that_do_not_renew_stay_in_their_first_term():
    fixed = KeyTerms(D("2025-01-01"), D("2025-12-31"))
    assert current_term(fixed, 0, D("2027-01-01")).number == 0
    evergreen = KeyTerms(D("2025-01-01"), None, notice_period=30)
    assert current_term(evergreen, 0, D("2030-01-01")).end is None
    with pytest.raises(ValueError):
        term(fixed, 1)


def test_notice_longer_than_the_term_is_detected():
    assert notice_longer_than_term(KeyTerms(D("2026-01-01"), D("2026-03-31"), notice_period=6, notice_unit="months"))
    assert not notice_longer_than_term(KeyTerms(D("2026-01-01"), D("2026-12-31"), notice_period=3, notice_unit="months"))


@given(
    end=st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2035, 12, 31)),
    period=st.integers(min_value=1, max_value=400),
    unit=st.sampled_from(["days", "weeks", "months"]),
)
def test_no_deadline_ever_shortens_the_notice_period(end, period, unit):
    deadline = notice_deadline(end, period, unit, CN)
    assert CN.is_workday(deadline)
    # Giving notice on the deadline leaves at least the whole period before the end.
    assert shift(deadline, period, unit) <= end
    assert deadline <= shift(end, -period, unit)
    assert (shift(end, -period, unit) - deadline).days < 20  # moved back over a holiday at most
