"""Re-categorization by name, shared by the CLI and the API: resolves names, then stores overrides."""

from __future__ import annotations

from sqlalchemy import Connection

from selftime.domain.naming import MAX_NAME, named_activity, thing_key
from selftime.store import catalog
from selftime.store.catalog import ActivityInfo
from selftime.store.users import lock_for_time_write


class CategorizeError(ValueError):
    pass


def find_sub_category(conn: Connection, name: str, top: str | None) -> catalog.Category:
    """A sub-category by name; a top-level name stands for its general sub-category."""
    wanted = name.strip().casefold()
    subs = catalog.sub_categories(conn)
    matches = [c for c in subs if c.name.casefold() == wanted]
    for c in subs:
        # Each top-level category's first sub-category is its general one ("General Business").
        if c.top.casefold() == wanted and c is next(s for s in subs if s.top == c.top) and c not in matches:
            matches.append(c)
    matches.sort(key=subs.index)
    if top is not None:
        wanted_top = top.strip().casefold()
        if not any(c.top.casefold() == wanted_top for c in subs):
            tops = ", ".join(dict.fromkeys(c.top for c in subs))
            raise CategorizeError(f"no top-level category named {top!r} (there are {tops})")
        matches = [c for c in matches if c.top.casefold() == wanted_top]
    if not matches:
        raise CategorizeError(f"no sub-category named {name!r}" + (f" in {top!r}" if top else ""))
    if len(matches) > 1:
        tops = ", ".join(c.top for c in matches)
        raise CategorizeError(f"{name!r} names a category in several places ({tops}): name the top-level one too")
    return matches[0]


def categorize(
    conn: Connection,
    *,
    user_id: int,
    activity: str,
    category: str | None,
    top: str | None,
    productivity: int | None,
    reset: bool = False,
) -> ActivityInfo:
    """Override an activity's sub-category and/or productivity; applies to all history at once.
    A URL stands for its site, named as ingest names it."""
    if reset and (category is not None or productivity is not None):
        raise CategorizeError("reset goes alone: it returns the activity to the shipped category and productivity")
    try:
        name = thing_key(named_activity(activity))
    except ValueError as exc:
        raise CategorizeError(str(exc)) from None
    if not 1 <= len(name) <= MAX_NAME:
        raise CategorizeError(f"activity name must be 1 to {MAX_NAME} characters")
    if productivity is not None and productivity not in (-2, -1, 0, 1, 2):
        raise CategorizeError("productivity must be one of -2, -1, 0, 1, 2")
    if not reset and category is None and productivity is None:
        raise CategorizeError("give a category, a productivity, or reset")
    # The account's row before the activity: a batch creating the same activity holds the row and
    # waits for the activity, which waited for the row (the foreign key's check) — a deadlock on
    # PostgreSQL. Taken first, the two queue.
    lock_for_time_write(conn, user_id)
    activity_id = catalog.resolve_activities(conn, user_id, [name])[name]
    if reset:
        category_id, level = None, None
    elif category is not None:
        # A new category brings its own productivity unless one is given with it.
        category_id, level = find_sub_category(conn, category, top).id, productivity
    else:
        category_id, level = catalog.category_override(conn, activity_id), productivity
    catalog.set_categorization(conn, activity_id=activity_id, category_id=category_id, productivity=level)
    return catalog.categorization(conn, user_id)[activity_id]
