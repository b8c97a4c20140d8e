"""The pages in a real browser (the system's Chromium, headless): they render, pass the CSP, and can be
navigated at laptop and phone width in both languages."""

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test makes are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(live_server, admin, ca1, manager, settings):
    from hetong.contracts.services import submit_contract
    from hetong.customers.services import log_interaction

    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    submit_contract(ca1, by=ca1.owner)
    log_interaction(ca1.customer, by=ca1.owner, kind="visit", text="<img src=x onerror=__xss()> 拜访", contract=ca1)
    return {"url": live_server.url, "contract": ca1}


def open_page(browser, site, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.add_init_script("window.__xss = () => { document.title = 'XSS'; };")
    page.goto(f"{site['url']}/accounts/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "Hetong-Test-2026")
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page, problems


@pytest.mark.parametrize("width", [1366, 390])
def test_pages_render_under_the_csp_at_laptop_and_phone_width(browser, site, width):
    page, problems = open_page(browser, site, width)
    contract = site["contract"]
    paths = ["/", "/contracts/", f"/contracts/{contract.pk}/", "/contracts/new/", "/customers/",
             f"/customers/{contract.customer_id}/", "/accounts/profile/", "/audit/", "/api/v1/docs"]
    for path in paths:
        response = page.goto(f"{site['url']}{path}")
        assert response.status == 200, path
        assert page.title() != "XSS", path
    assert not problems, problems
    page.goto(f"{site['url']}/contracts/")
    if width < 992:
        assert page.is_visible(".navbar-toggler")
        page.click(".navbar-toggler")
    assert page.is_visible("#sidebar-menu a[href='/customers/']")


def test_switching_between_chinese_and_english(browser, site):
    page, _problems = open_page(browser, site, 1366)  # the admin persona reads English
    assert "My work" in page.inner_text("h2.page-title")
    page.goto(f"{site['url']}/contracts/{site['contract'].pk}/")
    assert "In review" in page.inner_text("body")
    with page.expect_navigation():
        page.click("button[name=language][value=zh-hans]")
    assert "审核中" in page.inner_text("body")
    page.goto(f"{site['url']}/")
    assert "我的工作" in page.inner_text("h2.page-title")
    with page.expect_navigation():
        page.click("button[name=language][value=en]")
    assert "My work" in page.inner_text("h2.page-title")
