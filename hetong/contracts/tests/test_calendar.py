"""Calendars of key dates: the month and agenda pages, the personal iCalendar feed and a contract's .ics file.

Every feed here is read by two independent parsers (icalendar and vobject), which must agree.
"""

import datetime as dt

import icalendar
import pytest
import time_machine
import vobject
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hetong.audit.models import AuditEvent
from hetong.contracts import ics, selectors, services
from hetong.contracts.models import Contract, ContractType, ExtraField
from hetong.notifications.models import CalendarFeed

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = dt.date(2026, 3, 2)
MONTH = reverse("calendar:month")
AGENDA = reverse("calendar:agenda")


@pytest.fixture(autouse=True)
def _today():
    # Noon in Shanghai on TODAY: the windows and the highlighted day are counted from the company's today.
    with time_machine.travel(dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC), tick=False):
        yield


def make_active(contract, *, owner, approver, **data):
    """A contract taken through the services to active (its effective date has passed)."""
    if data:
        contract = services.update_contract(contract, by=owner, version=contract.version, data=data)
    contract = services.submit_contract(contract, by=owner)
    contract = services.approve_contract(contract, by=approver)
    signed = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    return services.sign_contract(contract, by=owner, signed_date=dt.date.today(), signed_file=signed)


def events(body: bytes) -> dict[str, dict]:
    """{uid: facts} of an iCalendar file, read by icalendar and by vobject, which must agree."""
    by_icalendar = {
        str(e["UID"]): {
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
            "sequence": int(e["SEQUENCE"]),
            "summary": str(e["SUMMARY"]),
            "url": str(e["URL"]),
        }
        for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }
    by_vobject = {
        e.uid.value: {
            "start": e.dtstart.value,
            "end": e.dtend.value,
            "sequence": int(e.sequence.value),
            "summary": e.summary.value,
            "url": e.url.value,
        }
        for e in vobject.readOne(body.decode()).contents.get("vevent", [])
    }
    assert by_icalendar == by_vobject
    return by_icalendar


def uid(contract, kind) -> str:
    return f"{contract.pk}-{kind}@{settings.HETONG_ICAL_DOMAIN}"


def feed_url(raw: str) -> str:
    return reverse("calendar:feed", args=[raw])


# --- the feed ----------------------------------------------------------------------------------------------


def test_feed_is_icalendar_of_all_day_events_that_two_parsers_read(client, ca1, sales_owner, manager):
    contract = make_active(
        ca1, owner=sales_owner, approver=manager, notice_period=30, review_date="2026-06-30"
    )
    raw = services.issue_calendar_feed(by=sales_owner)
    response = client.get(feed_url(raw))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert b"DTSTART;VALUE=DATE:20261231\r\n" in body and b"DTEND;VALUE=DATE:20270101\r\n" in body
    found = events(body)
    assert set(found) == {uid(contract, "end"), uid(contract, "notice"), uid(contract, "review")}
    end = found[uid(contract, "end")]
    assert (end["start"], end["end"]) == (dt.date(2026, 12, 31), dt.date(2027, 1, 1))
    assert end["summary"] == f"End date · {contract.number} {contract.title}"
    assert end["sequence"] == contract.version
    assert end["url"] == settings.HETONG_BASE_URL + reverse("contracts:detail", args=[contract.pk])
    calendar = icalendar.Calendar.from_ical(body)
    assert (str(calendar["VERSION"]), str(calendar["X-WR-CALNAME"])) == ("2.0", "Hetong contract dates")


def test_moved_date_keeps_its_uid_with_a_higher_sequence(client, ca1, sales_owner):
    draft = services.update_contract(
        ca1, by=sales_owner, version=ca1.version, data={"signing_deadline": "2026-03-20"}
    )
    raw = services.issue_calendar_feed(by=sales_owner)
    before = events(client.get(feed_url(raw)).content)[uid(draft, "signing")]
    services.update_contract(
        draft, by=sales_owner, version=draft.version, data={"signing_deadline": "2026-04-10"}
    )
    after = events(client.get(feed_url(raw)).content)
    assert list(after) == [uid(draft, "signing")]  # the same event, moved: no second one
    assert after[uid(draft, "signing")]["start"] == dt.date(2026, 4, 10)
    assert after[uid(draft, "signing")]["sequence"] > before["sequence"]
    assert before["start"] == dt.date(2026, 3, 20)


def test_tacit_renewal_moves_the_end_and_notice_events(sales_owner, manager, make_customer, make_contract):
    with time_machine.travel(dt.datetime(2026, 1, 10, 4, 0, tzinfo=dt.UTC), tick=False):
        contract = make_active(
            make_contract(
                sales_owner,
                make_customer(sales_owner),
                effective_date="2025-02-01",
                end_date="2026-01-31",
                auto_renew=True,
                renewal_term=1,
                renewal_unit="months",
                notice_period=30,
                notice_unit="days",
            ),
            owner=sales_owner,
            approver=manager,
        )
    before = events(ics.user_feed(sales_owner, today=dt.date(2026, 1, 10)))
    assert before[uid(contract, "end")]["start"] == dt.date(2026, 1, 31)
    assert services.apply_date_transitions(today=dt.date(2026, 2, 1))["renewed"] == 1
    after = events(ics.user_feed(sales_owner, today=dt.date(2026, 2, 1)))
    assert set(after) == set(before)
    assert after[uid(contract, "end")]["start"] == dt.date(2026, 2, 28)
    assert after[uid(contract, "notice")]["start"] == dt.date(2026, 1, 29)
    assert after[uid(contract, "end")]["sequence"] == before[uid(contract, "end")]["sequence"] + 1


def test_replaced_or_revoked_addresses_and_unknown_tokens_are_404(client, ca1, sales_owner):
    first = services.issue_calendar_feed(by=sales_owner)
    assert client.get(feed_url(first)).status_code == 200
    second = services.issue_calendar_feed(by=sales_owner)
    assert client.get(feed_url(first)).status_code == 404
    assert client.get(feed_url(second)).status_code == 200
    services.revoke_calendar_feed(by=sales_owner)
    assert client.get(feed_url(second)).status_code == 404
    assert client.get(feed_url("x" * 43)).status_code == 404
    assert not CalendarFeed.objects.filter(user=sales_owner).exists()
    verbs = list(AuditEvent.objects.for_target(sales_owner).values_list("verb", flat=True))
    assert verbs.count("calendar_feed.issue") == 2 and verbs.count("calendar_feed.revoke") == 1


def test_a_deactivated_users_feed_is_404(client, sales_owner):
    raw = services.issue_calendar_feed(by=sales_owner)
    sales_owner.is_active = False
    sales_owner.save(update_fields=["is_active"])
    assert client.get(feed_url(raw)).status_code == 404


def test_only_the_hash_of_the_address_is_stored_and_it_is_shown_once(client, sales_owner):
    client.force_login(sales_owner)
    response = client.post(reverse("calendar:feed_issue"))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    url = response.context["feed_url"]
    raw = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert url.startswith("http://testserver/calendar/feed/") and url in response.content.decode()
    assert CalendarFeed.objects.get(user=sales_owner).digest != raw
    assert CalendarFeed.objects.authenticate(raw).user == sales_owner
    assert raw not in client.get(MONTH).content.decode()
    response = client.post(reverse("calendar:feed_revoke"))
    assert response.status_code == 302 and CalendarFeed.objects.authenticate(raw) is None


def test_feed_keeps_a_window_around_today_and_the_nearest_dates_past_the_cap(
    sales_owner, make_customer, make_contract, monkeypatch
):
    customer = make_customer(sales_owner)
    offsets = [-100, -10, -5, 1, 40, 400, 800]
    drafts = {
        offset: make_contract(sales_owner, customer, signing_deadline=TODAY + dt.timedelta(days=offset))
        for offset in offsets
    }

    def offsets_in_feed():
        found = events(ics.user_feed(sales_owner))
        return [offset for offset, draft in drafts.items() if uid(draft, "signing") in found]

    assert offsets_in_feed() == [-10, -5, 1, 40, 400]  # 90 days back, 730 ahead
    monkeypatch.setattr(selectors, "FEED_MAX_EVENTS", 4)
    assert offsets_in_feed() == [-5, 1, 40, 400]  # upcoming first, then the most recent past
    monkeypatch.setattr(selectors, "FEED_MAX_EVENTS", 2)
    assert offsets_in_feed() == [1, 40]


def test_feed_speaks_its_owners_language(client, ca1, cb1, sales_owner, other_sales, manager):
    ours = make_active(ca1, owner=sales_owner, approver=manager)
    theirs = make_active(cb1, owner=other_sales, approver=manager)
    sales_owner.language = "zh-hans"
    sales_owner.save(update_fields=["language"])
    chinese = events(client.get(feed_url(services.issue_calendar_feed(by=sales_owner))).content)
    english = events(
        client.get(
            feed_url(services.issue_calendar_feed(by=other_sales)), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content
    )
    assert chinese[uid(ours, "end")]["summary"] == f"到期日期 · {ours.number} {ours.title}"
    assert english[uid(theirs, "end")]["summary"] == f"End date · {theirs.number} {theirs.title}"


# --- scope -------------------------------------------------------------------------------------------------


def test_nobody_sees_dates_of_contracts_outside_their_scope(
    client, ca1, cb1, sales_owner, other_sales, manager
):
    ours = make_active(ca1, owner=sales_owner, approver=manager)
    theirs = make_active(cb1, owner=other_sales, approver=manager)
    found = events(client.get(feed_url(services.issue_calendar_feed(by=other_sales))).content)
    assert uid(theirs, "end") in found and not any(key.startswith(f"{ours.pk}-") for key in found)
    client.force_login(other_sales)
    for url in (f"{MONTH}?month=2026-12", f"{AGENDA}?start=2026-12-01"):
        page = client.get(url).content.decode()
        assert theirs.number in page and ours.number not in page
    assert client.get(reverse("contracts:ics", args=[ours.pk])).status_code == 404
    assert client.get(reverse("contracts:ics", args=[theirs.pk])).status_code == 200


def test_contract_ics_is_an_attachment_of_that_contracts_dates(client, ca1, cb1, sales_owner, manager):
    contract = make_active(ca1, owner=sales_owner, approver=manager, notice_period=30)
    client.force_login(sales_owner)
    response = client.get(reverse("contracts:ics", args=[contract.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{contract.number}.ics"'
    assert set(events(response.content)) == {uid(contract, "end"), uid(contract, "notice")}
    assert (
        reverse("contracts:ics", args=[contract.pk])
        in client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    )


def test_calendar_needs_a_login(client):
    assert client.get(MONTH).status_code == 302
    assert client.post(reverse("calendar:feed_issue")).status_code == 302


# --- the pages ---------------------------------------------------------------------------------------------


def test_month_view_shows_the_grid_with_key_dates_linking_to_contracts(client, ca1, sales_owner, manager):
    contract = make_active(ca1, owner=sales_owner, approver=manager, review_date="2026-03-16")
    client.force_login(sales_owner)
    response = client.get(MONTH)
    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert weeks[0][0]["date"] == dt.date(2026, 2, 23)  # a Monday: weeks run Monday to Sunday
    assert all(len(week) == 7 for week in weeks)
    today = [day for week in weeks for day in week if day["is_today"]]
    assert [day["date"] for day in today] == [TODAY]
    review = next(day for week in weeks for day in week if day["date"] == dt.date(2026, 3, 16))
    assert [(b.kind, b.contract_id, b.kind_label) for b in review["badges"]] == [
        ("review", contract.pk, "Review date")
    ]
    page = response.content.decode()
    assert reverse("contracts:detail", args=[contract.pk]) in page and "calendar-today" in page
    assert "?month=2026-02" in page and "?month=2026-04" in page
    assert client.get(f"{MONTH}?month=2026-12").context["weeks"][-1][-1]["date"] == dt.date(2027, 1, 3)


def test_month_view_filters_by_kind_and_owner(client, ca1, cb1, sales_owner, other_sales, manager):
    ours = make_active(ca1, owner=sales_owner, approver=manager, notice_period=30)
    make_active(cb1, owner=other_sales, approver=manager)
    client.force_login(manager)

    def shown(query):
        response = client.get(f"{MONTH}?month=2026-12&{query}")
        assert response.status_code == 200
        return sorted(
            (b.contract_id, b.kind) for week in response.context["weeks"] for d in week for b in d["badges"]
        )

    assert len(shown("")) == 3
    assert shown("kind=notice") == [(ours.pk, "notice")]
    assert shown("mine=1") == []  # the manager owns none of them


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "abc", "0000-01", "99999-01", "2026-1-1"])
def test_bad_month_is_a_clear_400_showing_this_month(client, sales_owner, month):
    client.force_login(sales_owner)
    response = client.get(MONTH, {"month": month})
    assert response.status_code == 400
    assert response.context["month"] == TODAY.replace(day=1)
    assert "YYYY-MM" in response.content.decode()


@pytest.mark.parametrize("query", [{"start": "2026-02-30"}, {"start": "soon"}, {"kind": "payday"}])
def test_bad_agenda_input_is_a_clear_400(client, sales_owner, query):
    client.force_login(sales_owner)
    response = client.get(AGENDA, query)
    assert response.status_code == 400 and response.context["errors"]


def test_agenda_groups_the_next_sixty_days_by_date(client, sales_owner, make_customer, make_contract):
    customer = make_customer(sales_owner)
    soon = make_contract(sales_owner, customer, signing_deadline="2026-03-10")
    same_day = make_contract(sales_owner, customer, signing_deadline="2026-03-10")
    later = make_contract(sales_owner, customer, signing_deadline="2026-04-30")
    make_contract(sales_owner, customer, signing_deadline="2026-05-01")  # the 61st day: not shown
    client.force_login(sales_owner)
    response = client.get(AGENDA)
    assert response.status_code == 200
    agenda = [
        (day["date"], [item.contract_id for item in day["items"]]) for day in response.context["agenda"]
    ]
    assert agenda == [(dt.date(2026, 3, 10), [soon.pk, same_day.pk]), (dt.date(2026, 4, 30), [later.pk])]


# --- query counts ------------------------------------------------------------------------------------------


def test_feed_and_pages_take_the_same_queries_for_5_or_50_contracts(
    client, sales_owner, make_customer, make_contract, django_assert_max_num_queries
):
    service = ContractType.objects.get(code="FW")
    ExtraField.objects.create(
        contract_type=service, key="handover", label="交接日", label_en="Handover", kind="date"
    )
    customer = make_customer(sales_owner)

    def add(n):
        for _ in range(n):
            make_contract(
                sales_owner, customer, signing_deadline="2026-03-20", extra={"handover": "2026-03-25"}
            )

    raw = services.issue_calendar_feed(by=sales_owner)
    client.force_login(sales_owner)
    urls = [feed_url(raw), f"{MONTH}?month=2026-03", AGENDA]
    add(5)
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
    add(45)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            response = client.get(url)
    assert len(events(client.get(urls[0]).content)) == 100
    assert Contract.objects.count() == 50
    handover = next(
        day
        for week in client.get(urls[1]).context["weeks"]
        for day in week
        if day["date"] == dt.date(2026, 3, 25)
    )
    assert handover["badges"][0].kind_label == "Handover" and handover["more"] == 50 - selectors.DAY_BADGES
    assert response.status_code == 200
