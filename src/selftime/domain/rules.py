"""Shipped default rules: which sub-category an activity name falls into before any user override."""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

from selftime.domain.taxonomy import UNCATEGORIZED_SUB_ID, seed_rows


@lru_cache(maxsize=1)
def default_rules() -> dict[str, int]:
    """Map of lower-case app name or domain → sub-category id."""
    sub_ids = {
        (top.name, sub.name): sub.id
        for top in seed_rows()
        if top.parent_id is None
        for sub in seed_rows()
        if sub.parent_id == top.id
    }
    text = resources.files("selftime.domain").joinpath("data/default_rules.csv").read_text("utf-8")
    rules: dict[str, int] = {}
    for row in csv.DictReader(text.splitlines()):
        key = (row["top"], row["sub"])
        if key not in sub_ids:
            raise ValueError(f"default rule {row['match']!r} names unknown category {key}")
        rules[row["match"]] = sub_ids[key]
    return rules


def default_category_id(activity: str) -> int:
    """Exact name first; then, for domains, the most specific parent domain with a rule."""
    rules = default_rules()
    name = activity.lower()
    found = rules.get(name)
    if found is not None:
        return found
    labels = name.split(".")
    for i in range(1, len(labels) - 1):
        found = rules.get(".".join(labels[i:]))
        if found is not None:
            return found
    return UNCATEGORIZED_SUB_ID
