"""Accessibility checks run inside the page (plain DOM and computed styles, nothing downloaded): text contrast
as WCAG 2.1 AA computes it, a name for every form control, a text for every column header, headings that
do not skip a level, and landmarks of one role told apart by their names. Each returns the problems found,
one line each, so a failing test lists them all."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

_CHECKS = (Path(__file__).with_name("a11y.js")).read_text(encoding="utf-8")


def contrast_problems(page: Page) -> list[str]:
    return [f"{page.url}: {p}" for p in page.evaluate(f"({_CHECKS}).contrast()")]


def structure_problems(page: Page) -> list[str]:
    return [f"{page.url}: {p}" for p in page.evaluate(f"({_CHECKS}).structure()")]
