import itertools

from hypothesis import given
from hypothesis import strategies as st

from selftime.domain.spans import Coverage, cut


def test_claim_returns_only_uncovered_time():
    cov = Coverage([(10, 20), (30, 40)])
    assert cov.claim(0, 50) == [(0, 10), (20, 30), (40, 50)]
    assert cov.claim(5, 45) == []
    assert (cov.starts, cov.ends) == ([0], [50])


def test_claim_merges_touching_neighbours():
    cov = Coverage()
    assert cov.claim(0, 10) == [(0, 10)]
    assert cov.claim(20, 30) == [(20, 30)]
    assert cov.claim(10, 20) == [(10, 20)]
    assert (cov.starts, cov.ends) == ([0], [30])
    assert cov.claim(25, 35) == [(30, 35)]


def test_cut_at_five_minute_edges():
    assert list(cut(299_000, 601_000)) == [(299_000, 300_000), (300_000, 600_000), (600_000, 601_000)]
    assert list(cut(0, 300_000)) == [(0, 300_000)]


def test_claim_after_everything_covered_appends_or_extends():
    cov = Coverage([(0, 10)])
    assert cov.claim(10, 20) == [(10, 20)]  # touching: extends the last interval
    assert cov.claim(25, 30) == [(25, 30)]
    assert (cov.starts, cov.ends) == ([0, 25], [20, 30])


_interval = st.tuples(st.integers(0, 60), st.integers(1, 20)).map(lambda p: (p[0], p[0] + p[1]))


@given(existing=st.lists(_interval, max_size=6), claims=st.lists(_interval, min_size=1, max_size=12))
def test_claim_matches_a_set_of_instants(existing: list[tuple[int, int]], claims: list[tuple[int, int]]) -> None:
    """Against the plainest model, a set of covered instants: claims return exactly what was free,
    in order, and the intervals stay sorted, disjoint and merged (none touching)."""
    cov = Coverage(existing)
    covered = {t for start, end in existing for t in range(start, end)}
    for start, end in sorted(claims) + claims:  # in order, as ingest claims, then in any order
        free = cov.claim(start, end)
        expected = sorted(set(range(start, end)) - covered)
        assert [t for a, b in free for t in range(a, b)] == expected
        assert all(a < b for a, b in free) and all(b1 < a2 for (_, b1), (a2, _) in itertools.pairwise(free))
        covered |= set(expected)
        assert {t for a, b in zip(cov.starts, cov.ends, strict=True) for t in range(a, b)} == covered
        assert all(e < s for e, s in zip(cov.ends, cov.starts[1:], strict=False))
