"""The deadline engine: a contract's current term and its notice deadline, as pure functions.

Terms are counted from the original dates, never chained: after n tacit renewals the term ends at the original
end date moved n renewal terms on (31 January + 1 month, + 2 months = 28/29 February, 31 March — not 28 March).
The notice deadline is the end of the current term minus the notice period, in calendar units with month ends
clamped, then moved to the previous business day: a period is only ever lengthened, never shortened by rounding.
"""

import datetime as dt
from dataclasses import dataclass

from hetong.core.dates import shift
from hetong.core.workdays import WorkCalendar


@dataclass(frozen=True)
class KeyTerms:
    effective_date: dt.date | None
    end_date: dt.date | None  # end of the first term; None for an evergreen contract
    auto_renew: bool = False
    renewal_term: int | None = None
    renewal_unit: str = "months"
    notice_period: int | None = None
    notice_unit: str = "days"

    @classmethod
    def of(cls, contract) -> "KeyTerms":
        """A contract's key terms, its first term ending on `first_term_end` (end_date until it renews)."""
        first_end = getattr(contract, "first_term_end", None) or contract.end_date
        return cls(contract.effective_date, first_end, contract.auto_renew, contract.renewal_term,
                   contract.renewal_unit, contract.notice_period, contract.notice_unit)


@dataclass(frozen=True)
class Term:
    number: int  # 0 for the first term, n after n tacit renewals
    start: dt.date | None
    end: dt.date | None


def term_end(terms: KeyTerms, number: int) -> dt.date | None:
    if terms.end_date is None:
        return None
    if number == 0:
        return terms.end_date
    if not (terms.auto_renew and terms.renewal_term):
        raise ValueError("only an auto-renewing contract with a renewal term has later terms")
    return shift(terms.end_date, number * terms.renewal_term, terms.renewal_unit)


def term(terms: KeyTerms, number: int) -> Term:
    """Term `number`: the first runs from the effective date, each later one from the day after the last."""
    start = terms.effective_date if number == 0 else term_end(terms, number - 1) + dt.timedelta(days=1)
    return Term(number, start, term_end(terms, number))


def notice_deadline(end: dt.date | None, notice_period: int | None, notice_unit: str,
                    calendar: WorkCalendar) -> dt.date | None:
    """The last day to give notice before `end`: the period counted back, then back to a business day."""
    if end is None or not notice_period:
        return None
    return calendar.previous_workday(shift(end, -notice_period, notice_unit))


def renewals_due(terms: KeyTerms, renewals: int, today: dt.date) -> int:
    """How many tacit renewals have happened by `today`, given `renewals` recorded so far: a term renews on
    the day after it ends. Never fewer than recorded; zero for contracts that do not renew."""
    if not (terms.auto_renew and terms.renewal_term and terms.end_date):
        return renewals
    count = renewals
    while term_end(terms, count) < today:
        count += 1
    return count


def current_term(terms: KeyTerms, renewals: int, today: dt.date) -> Term:
    return term(terms, renewals_due(terms, renewals, today))


def notice_longer_than_term(terms: KeyTerms) -> bool:
    """A notice period that would fall before the (first) term even starts is a data-entry error."""
    if not (terms.effective_date and terms.end_date and terms.notice_period):
        return False
    return shift(terms.end_date, -terms.notice_period, terms.notice_unit) < terms.effective_date
