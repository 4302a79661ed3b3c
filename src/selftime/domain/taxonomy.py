"""The shipped taxonomy: top-level categories, sub-categories and their default productivity."""

from __future__ import annotations

from dataclasses import dataclass

PRODUCTIVITY_LEVELS = (2, 1, 0, -1, -2)

UNCATEGORIZED = "Uncategorized"

# Order matters: it is the order of the daily summary fields and of ties in reports.
TOP_LEVEL: tuple[tuple[str, str], ...] = (
    ("Business", "business"),
    ("Communication & Scheduling", "communication_and_scheduling"),
    ("Social Networking", "social_networking"),
    ("Design & Composition", "design_and_composition"),
    ("Entertainment", "entertainment"),
    ("News & Opinion", "news"),
    ("Software Development", "software_development"),
    ("Reference & Learning", "reference_and_learning"),
    ("Shopping", "shopping"),
    ("Utilities", "utilities"),
    (UNCATEGORIZED, "uncategorized"),
)

_ALL_2 = 2

SUB_CATEGORIES: dict[str, tuple[tuple[str, int], ...]] = {
    "Business": tuple(
        (n, _ALL_2)
        for n in (
            "General Business",
            "Accounting",
            "Administration",
            "Sales",
            "Marketing",
            "Customer Relations",
            "Intelligence",
            "Operations",
            "Project Management",
        )
    ),
    "Communication & Scheduling": (
        ("General Communication & Scheduling", 0),
        ("Calendars", 0),
        ("Email", 1),
        ("Instant Message", 1),
        ("Meetings", 1),
        ("Voice", 1),
    ),
    "Social Networking": (("General Social Networking", -2), ("Professional Networking", 1)),
    "Design & Composition": tuple(
        (n, 2)
        for n in (
            "General Design & Composition",
            "3D Graphic Design",
            "Audio Editing",
            "Graphic Design",
            "Presentation",
            "Engineering & Drafting",
            "Video Editing",
            "Writing",
        )
    ),
    "Entertainment": tuple((n, -2) for n in ("General Entertainment", "Comedy", "Games", "Music", "Photos", "Video")),
    "News & Opinion": (
        ("General News & Opinion", -2),
        ("Business", -1),
        ("Entertainment", -2),
        ("Society", -2),
        ("Science & Technology", -1),
        ("Sports", -1),
        ("Regional", -2),
        ("International", -2),
    ),
    "Software Development": tuple(
        (n, 2)
        for n in (
            "General Software Development",
            "Design & Planning",
            "Editing & IDEs",
            "Quality Assurance",
            "Systems Operations",
            "Data Modeling & Analysis",
        )
    ),
    "Reference & Learning": (
        ("General Reference & Learning", 2),
        ("Business & Finance", 1),
        ("Employment", 2),
        ("Food", 1),
        ("Health & Medicine", 1),
        ("Home & Garden", 0),
        ("Legal & Gov't", 1),
        ("Maps & Regional", 1),
        ("Engineering & Technology", 1),
        ("Search", 1),
        ("Travel & Outdoors", 1),
    ),
    "Shopping": tuple((n, -2) for n in ("General Shopping", "Office", "Electronics", "Clothes & Personal")),
    "Utilities": (
        ("General Utilities", 1),
        ("Anti-Virus & Spyware", 1),
        ("Browsers", 0),
        ("Internet Utilities", 1),
        ("File Sharing", -2),
        ("Virtualization", 0),
        ("Other", 0),
    ),
    UNCATEGORIZED: ((UNCATEGORIZED, 0),),
}


@dataclass(frozen=True)
class SeedCategory:
    id: int
    parent_id: int | None
    name: str
    productivity: int


def seed_rows() -> list[SeedCategory]:
    """Stable ids: top-level 1..11, sub-categories from 100 in declaration order.

    Ids are part of the migration's seed data, so they must never be renumbered.
    """
    rows: list[SeedCategory] = []
    next_sub = 100
    for top_id, (top, _stem) in enumerate(TOP_LEVEL, start=1):
        subs = SUB_CATEGORIES[top]
        top_prod = subs[0][1]
        rows.append(SeedCategory(top_id, None, top, top_prod))
        for name, prod in subs:
            rows.append(SeedCategory(next_sub, top_id, name, prod))
            next_sub += 1
    return rows


UNCATEGORIZED_SUB_ID = next(r.id for r in seed_rows() if r.parent_id is not None and r.name == UNCATEGORIZED)
