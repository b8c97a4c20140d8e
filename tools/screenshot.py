"""Screenshot Hetong pages as a signed-in user, with the system's Chromium (for looking at the UI).

    .venv/bin/python tools/screenshot.py --base http://127.0.0.1:8000 --user admin --password hetong-admin \
        --out /tmp/shots /contracts/ /customers/

Writes one PNG per path and width (laptop 1366 px, phone 390 px). Not part of the product or the tests.
"""

import argparse
import pathlib

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="hetong-admin")
    parser.add_argument("--lang", default="", help="zh-hans or en: switch the user's language first")
    parser.add_argument("--out", default="/tmp/shots")
    parser.add_argument("--widths", default="1366,390")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width in [int(w) for w in args.widths.split(",")]:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(f"{args.base}/accounts/login/")
            page.fill("input[name=username]", args.user)
            page.fill("input[name=password]", args.password)
            page.click("button[type=submit]")
            if args.lang:
                page.goto(f"{args.base}/accounts/profile/")
                with page.expect_navigation():
                    page.evaluate(
                        """lang => { const f = document.createElement('form'); f.method = 'post'; f.action = '/accounts/language/';
                        f.innerHTML = `<input name=csrfmiddlewaretoken value="${document.querySelector('[name=csrfmiddlewaretoken]').value}">
                        <input name=language value="${lang}"><input name=next value="/">`; document.body.append(f); f.submit(); }""",
                        args.lang,
                    )
                page.wait_for_load_state()
            for path in args.paths:
                page.goto(f"{args.base}{path}")
                name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
                target = out / f"{name}-{width}{('-' + args.lang) if args.lang else ''}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
