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
