"""Privacy rules (agent/privacy.py): what is never recorded, what is recorded without titles, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selftime.agent import privacy
from selftime.agent.queue import LocalQueue, QueuedSpan

RULES = r"""
[never]
applications = ["KeePassXC", "signal-desktop.exe"]
titles = ["private browsing", '^Inbox \(\d+\)']  # literal strings keep regular expressions readable
sites = ["mybank.example", "https://www.health.example/login"]

[without_titles]
applications = ["thunderbird"]
titles = ["password"]
sites = ["mail.google.com"]
"""


def span(application: str | None = "code", title: str | None = "main.py", url: str | None = None) -> QueuedSpan:
    return QueuedSpan(start_ms=1_000, end_ms=61_000, application=application, title=title, url=url)


@pytest.fixture
def rules(tmp_path: Path) -> privacy.Privacy:
    (tmp_path / "privacy.toml").write_text(RULES)
    return privacy.load(tmp_path)


def test_no_file_records_everything(tmp_path: Path) -> None:
    rules = privacy.load(tmp_path)
    assert not rules
    for s in (span(), span("keepassxc", "Passwords"), span("firefox", "x", "https://mybank.example/")):
        assert rules.filter(s) is s
    assert "everything is recorded" in rules.describe()


def test_never_record_applications_case_insensitively_and_without_exe(rules: privacy.Privacy) -> None:
    assert rules.filter(span("keepassxc", "Passwords.kdbx")) is None
    assert rules.filter(span("KEEPASSXC.exe", None)) is None
    assert rules.filter(span("Signal-Desktop", "Chat")) is None
    assert rules.filter(span("keepass", "x")) is not None  # names, not prefixes


def test_never_record_title_patterns_are_case_insensitive_regular_expressions(rules: privacy.Privacy) -> None:
    assert rules.filter(span("firefox", "Example — Mozilla Firefox Private Browsing")) is None
    assert rules.filter(span("thunderbird", "INBOX (12) - me@example.com")) is None
    assert rules.filter(span("thunderbird", "Sent - Inbox (12)")) is not None  # anchored at the start
    assert rules.filter(span("firefox", None)) is not None  # no title: title rules do not apply


def test_never_record_sites_by_host_with_subdomains_from_url_and_title(rules: privacy.Privacy) -> None:
    assert rules.filter(span("firefox", "Accounts", "https://mybank.example/accounts")) is None
    assert rules.filter(span("firefox", "Login", "https://secure.www.mybank.example:8443/")) is None
    assert rules.filter(span("firefox", "Accounts", "https://WWW.MyBank.Example/")) is None
    # A URL given as a site in the file counts for its host; www. is ignored both ways.
    assert rules.filter(span("chromium", "Doctor", "https://health.example/x")) is None
    # The host in a window title, as an extension or the page itself writes it.
    assert rules.filter(span("firefox", "Accounts - mybank.example — Mozilla Firefox")) is None
    # ActivityWatch's web watcher may name the site as the application.
    assert rules.filter(span("mybank.example", None)) is None
    # Not a subdomain: another site whose name merely ends alike.
    assert rules.filter(span("firefox", "x", "https://notmybank.example/")) is not None
    # An e-mail address in a title is not a visit to the site.
    assert rules.filter(span("thunderbird", "From support@mybank.example")) is not None
    assert rules.filter(span("code", "notes.txt", None)) is not None


def test_record_without_titles_keeps_the_application(rules: privacy.Privacy) -> None:
    got = rules.filter(span("Thunderbird", "Re: salary - Inbox", "https://example.com/"))
    assert got == span("Thunderbird", None, None)
    got = rules.filter(span("firefox", "Change your password — Mozilla Firefox", "https://example.org/pw?x=1"))
    assert got == span("firefox", None, None)


def test_record_without_titles_keeps_a_site_but_not_its_page(rules: privacy.Privacy) -> None:
    got = rules.filter(span("firefox", "Primary - me@gmail.com - Gmail", "https://mail.google.com/mail/u/0/#inbox"))
    assert got == span("firefox", None, "https://mail.google.com/")
    # Known only from the title: the title goes, and there is no URL to keep.
    got = rules.filter(span("chromium", "Inbox - mail.google.com - Chromium", None))
    assert got == span("chromium", None, None)


def test_never_wins_over_without_titles(tmp_path: Path) -> None:
    (tmp_path / "privacy.toml").write_text('[never]\ntitles = ["secret"]\n[without_titles]\napplications = ["vim"]\n')
    rules = privacy.load(tmp_path)
    assert rules.filter(span("vim", "secret.txt")) is None
    assert rules.filter(span("vim", "notes.txt")) == span("vim", None)


def test_other_spans_pass_unchanged_and_keep_their_source(rules: privacy.Privacy) -> None:
    original = QueuedSpan(5, 9, "code", "main.py", None, source="aw")
    assert rules.filter(original) is original


def test_json_file_works_too(tmp_path: Path) -> None:
    (tmp_path / "privacy.json").write_text(json.dumps({"never": {"applications": ["steam"]}}))
    rules = privacy.load(tmp_path)
    assert rules.filter(span("steam", "Store")) is None
    assert str(tmp_path / "privacy.json") in rules.describe()


def test_filtered_spans_in_the_real_queue(rules: privacy.Privacy, tmp_path: Path) -> None:
    """What a rule hides never reaches the disk: the runner filters before LocalQueue.add."""
    spans = [span("keepassxc", "db"), span("thunderbird", "Re: salary"), span("code", "main.py")]
    queue = LocalQueue(tmp_path / "agent.sqlite3")
    try:
        queue.add([s for s in map(rules.filter, spans) if s is not None])
        (batch,) = queue.seal()
    finally:
        queue.close()
    assert [(s["application"], s["title"]) for s in batch.spans] == [("thunderbird", None), ("code", "main.py")]
    assert b"salary" not in (tmp_path / "agent.sqlite3").read_bytes()


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("privacy.toml", "[never\napplications = []", "is not valid TOML"),
        ("privacy.json", "{never: []}", "is not valid JSON"),
        ("privacy.toml", "[nevr]\napplications = ['steam']", "unknown section 'nevr'"),
        ("privacy.toml", "[never]\napps = ['steam']", "[never]: unknown key 'apps'"),
        ("privacy.toml", "[never]\napplications = 'steam'", "[never] applications must be a list of strings"),
        ("privacy.toml", "[never]\ntitles = [1]", "[never] titles must be a list of strings"),
        ("privacy.toml", "[never]\ntitles = ['']", "[never] titles[0] is empty"),
        ("privacy.toml", "[without_titles]\ntitles = ['(unclosed']", "'(unclosed' is not a valid regular expression"),
        ("privacy.toml", "[never]\nsites = ['my bank']", "'my bank' is not a host name"),
        ("privacy.toml", "[never]\nsites = ['localhost']", "'localhost' is not a host name"),
        ("privacy.toml", "never = ['steam']", "[never] must be a table"),
        ("privacy.json", "[]", "expected a table"),
    ],
)
def test_a_bad_file_is_a_clear_error_naming_the_file(tmp_path: Path, name: str, text: str, problem: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ValueError) as caught:
        privacy.load(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / name}: "), message
    assert problem in message, message


def test_two_files_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "privacy.toml").write_text("")
    (tmp_path / "privacy.json").write_text("{}")
    with pytest.raises(ValueError, match="both exist"):
        privacy.load(tmp_path)


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "privacy.toml").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(ValueError, match="cannot be read"):
        privacy.load(tmp_path)


def test_hosts_in_titles() -> None:
    assert list(privacy.hosts_in("Amazon.com: Books — https://www.Example.org/x?y (3)")) == [
        "amazon.com",
        "example.org",
    ]
    assert list(privacy.hosts_in("write to me@mybank.example")) == []
    assert privacy.listed_site("a.b.reddit.com", frozenset({"reddit.com"})) == "reddit.com"
    assert privacy.listed_site("reddit.com.evil.example", frozenset({"reddit.com"})) is None


def test_the_documented_example_is_valid(tmp_path: Path) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "agent-focus-privacy.md").read_text()
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "privacy.toml").write_text(example)
    rules = privacy.load(tmp_path)
    assert rules.filter(span("firefox", "Inbox (2) — Mozilla Firefox")) is None
    assert rules.filter(span("firefox", "Primary - Gmail", "https://mail.google.com/x")) == span(
        "firefox", None, "https://mail.google.com/"
    )
