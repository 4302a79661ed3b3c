"""Refresh-ahead for the report cache: once new time for an account commits, the questions it asked
in the last minutes are answered again in the background, under the account's new versions.

A dashboard or widget polls the same few questions, and every sync of the agent (every 3 minutes)
moves the account's data version on, so without this the first poll after each sync computes its
report: 5-10 ms for a week of documents (10-40 ms on the Python path). With it, the poll finds the
body already there. Bodies computed here are keyed by versions read in the same breath as the data
(see report_cache), so they are never older than what a request would compute.

A refresh starts a second after the write that asked for it, and writes in that second join it; one
that is running when more time arrives runs again after. Writes in this process ask at once. Writes
elsewhere (the other processes of `serve --workers N`, the CLI's imports, categorizations and zone
changes) are seen by a watcher that reads the asking accounts' versions twice a second, one small
SELECT, and only while some account has asked within the window: a dashboard's connection may land
on any worker, whichever one took the agent's batch.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("selftime.report_refresh")

Account = tuple[int, int]  # (user id, created_ms): see User.account
Compute = Callable[[Account, list[Hashable]], int]  # → how many it computed (others were there already)
# The accounts' current versions (anything comparable; see User.report_versions); gone ones missing.
Versions = Callable[[list[Account]], dict[Account, Hashable]]

_MAX_ACCOUNTS = 1_000  # most recently asking accounts remembered


class Refresher:
    def __init__(
        self,
        compute: Compute,
        clock_ms: Callable[[], int],
        *,
        window_seconds: float,
        max_questions: int = 8,
        settle_seconds: float = 1.0,
        versions: Versions | None = None,
        poll_seconds: float = 0.5,
    ) -> None:
        self._compute = compute
        self._versions = versions
        self._poll_seconds = poll_seconds
        self._clock_ms = clock_ms
        self._window_ms = int(window_seconds * 1000)
        self._max_questions = max_questions
        # A refresh waits this long after the write that asked for it, and writes meanwhile join it:
        # an agent catching up sends batch after batch, and each report computed for nothing takes
        # CPU from the ingest.
        self._settle_seconds = settle_seconds
        self._lock = threading.Lock()
        self._asked: OrderedDict[Account, OrderedDict[Hashable, int]] = OrderedDict()
        self._seen: dict[Account, Hashable] = {}  # the versions each account was last answered or refreshed under
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self._waiting: dict[Account, threading.Timer] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False
        self.refreshed = 0  # reports computed ahead, for tests and the curious

    def asked(self, account: Account, question: Hashable, versions: Hashable = None) -> None:
        """Note that the account asked this (a hit or a miss alike), answered under these versions."""
        if self._window_ms <= 0:
            return
        now = self._clock_ms()
        with self._lock:
            self._seen[account] = versions
            if self._versions is not None and self._watcher is None and not self._closed:
                self._watcher = threading.Thread(target=self._watch, name="report-watch", daemon=True)
                self._watcher.start()
            questions = self._asked.pop(account, None) or OrderedDict()
            self._asked[account] = questions
            questions.pop(question, None)
            questions[question] = now
            while len(questions) > self._max_questions:
                questions.popitem(last=False)
            while len(self._asked) > _MAX_ACCOUNTS:
                self._seen.pop(self._asked.popitem(last=False)[0], None)

    def after_write(self, account: Account) -> None:
        """New time for the account has committed: answer its recent questions again, soon, in the background."""
        if self._window_ms <= 0:
            return
        with self._lock:
            if self._closed or account in self._waiting or not self._recent(account):
                return
            timer = threading.Timer(self._settle_seconds, self._submit, args=(account,))
            timer.daemon = True
            self._waiting[account] = timer
        timer.start()

    def poll(self) -> int:
        """Read the versions of the accounts that asked within the window, and refresh (as after a
        write here) those whose versions moved on. Returns how many did. The watcher calls it."""
        if self._versions is None:
            return 0
        with self._lock:
            accounts = [a for a in self._asked if self._recent(a)]
        if not accounts:
            return 0
        current = self._versions(accounts)
        moved = []
        with self._lock:
            for account in accounts:
                now = current.get(account)
                if now is None:  # deleted: nothing to refresh, ever
                    self._asked.pop(account, None)
                    self._seen.pop(account, None)
                elif self._seen.get(account) != now:
                    self._seen[account] = now
                    moved.append(account)
        for account in moved:
            self.after_write(account)
        return len(moved)

    def _watch(self) -> None:
        failing = False
        while not self._stop.wait(self._poll_seconds):
            try:
                self.poll()
            except Exception:
                # The database may be away for a while; the next poll tries again, and requests
                # meanwhile compute their reports themselves. Logged once per outage, not twice a second.
                if not failing:
                    log.exception("reading report versions failed (logged again only after they are read)")
                failing = True
            else:
                if failing:
                    log.info("reading report versions works again")
                failing = False

    def _recent(self, account: Account) -> list[Hashable]:
        """The account's questions inside the window, the most recently asked first (the likeliest to
        be asked again soonest). Call with the lock held."""
        now = self._clock_ms()
        return [q for q, at in reversed(self._asked.get(account, {}).items()) if now - at <= self._window_ms]

    def _submit(self, account: Account) -> None:
        with self._lock:
            if self._waiting.pop(account, None) is None or self._closed:
                return  # run already (wait_idle) or shut down
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-refresh")
            self._executor.submit(self._run, account)

    def _run(self, account: Account) -> None:
        with self._lock:
            questions = self._recent(account)
        try:
            self.refreshed += self._compute(account, questions)
        except Exception:
            # A refresh only saves a later request some time; that request computes and reports.
            log.exception("refreshing reports for account %s failed", account)

    def wait_idle(self) -> None:
        """Start every waiting refresh now, and block until all have run (one thread: in order)."""
        with self._lock:
            waiting = list(self._waiting.items())
        for account, timer in waiting:
            timer.cancel()
            self._submit(account)
        with self._lock:
            executor = self._executor
        if executor is not None:
            done: Future[None] = executor.submit(lambda: None)
            done.result()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            waiting, self._waiting = list(self._waiting.values()), {}
            executor, self._executor = self._executor, None
            watcher = self._watcher
        self._stop.set()
        if watcher is not None:
            watcher.join()
        for timer in waiting:
            timer.cancel()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
