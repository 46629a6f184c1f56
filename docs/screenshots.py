"""Retakes the README's screenshots (docs/screenshots/*.png) from a running demo.

    manage.py migrate && manage.py seed_demo
    DEBUG=true manage.py runserver 127.0.0.1:8321
    .venv/bin/python docs/screenshots.py http://127.0.0.1:8321

Chromium headless (Debian's /usr/bin/chromium, or CHROMIUM_PATH), 1280 px wide, in
English; each picture is reduced to 256 colours to stay small. The checkout is
reached through the first Renew button on My expirations, with the balance offer
applied when the page offers it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).resolve().parent / "screenshots"
PASSWORD = "demo-password-2026"
WIDTH = 1280
# name: (area, path, height; None for the whole page)
SHOTS = {
    "dashboard.png": ("staff", "/staff/", None),
    "customers.png": ("staff", "/staff/customers/", 860),
    "card.png": ("staff", "/staff/customers/{customer}/", 887),
    "expirations-tab.png": ("staff", "/staff/customers/{customer}/expirations/", None),
    "my-expirations.png": ("account", "/account/expirations/", 800),
    "checkout.png": ("account", "/account/checkout/", None),
}
LOGINS = {"staff": "staff@example.com", "account": "customer@example.com"}


def log_in(page: Page, area: str) -> None:
    page.goto(f"/{area}/login/")
    page.fill("input[name=username]", LOGINS[area])
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"**/{area}/")


def demo_customer_pk(page: Page) -> str:
    page.goto("/staff/customers/?q=customer@example.com")
    href = page.locator("table.table tbody a[href^='/staff/customers/']").first
    return (href.get_attribute("href") or "").strip("/").split("/")[-1]


def checkout_ready(page: Page) -> None:
    page.goto("/account/expirations/")
    renew = page.locator("form[action*='/renew/'] button").first
    if renew.count():
        renew.click()
        page.wait_for_load_state()
    page.goto("/account/checkout/")
    offer = page.locator("button.checkout-offer-button").first
    if offer.count():
        offer.click()
        page.wait_for_load_state()


def save(page: Page, name: str, height: int | None) -> None:
    target = OUT / name
    if height is None:
        page.screenshot(path=target, full_page=True)
    else:
        page.screenshot(
            path=target,
            full_page=True,
            clip={"x": 0, "y": 0, "width": WIDTH, "height": height},
        )
    with Image.open(target) as picture:
        small = picture.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT
        )
    small.save(target, optimize=True)
    print(f"{target.relative_to(OUT.parent.parent)}: {target.stat().st_size} bytes")


def main(base_url: str) -> None:
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        pages: dict[str, Page] = {}
        for area in LOGINS:
            context = browser.new_context(
                base_url=base_url,
                viewport={"width": WIDTH, "height": 800},
                locale="en-US",
            )
            context.add_cookies(
                [{"name": "django_language", "value": "en", "url": base_url}]
            )
            pages[area] = context.new_page()
            log_in(pages[area], area)
        customer = demo_customer_pk(pages["staff"])
        for name, (area, path, height) in SHOTS.items():
            page = pages[area]
            if name == "checkout.png":
                checkout_ready(page)
            page.goto(path.format(customer=customer))
            save(page, name, height)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8321")
