"""Referral work the console does besides answering requests: the settings it refers with, and the
dispatcher running in a background thread for as long as the app runs.

Why a thread inside `serve`: a small deployment runs one process; a referral confirmed in the
console should leave without anyone starting `tidewatch dispatch` as well. The dispatcher claims
outbox rows with a lease (tidewatch.refer.dispatch), so this thread and any number of separate
`tidewatch dispatch` processes can run side by side without sending a delivery twice at once.
It is off unless the settings turn it on (`serve` does; tests do only when they mean to).
"""
from __future__ import annotations

import logging
import os
import threading
from contextlib import asynccontextmanager
from typing import Any

from tidewatch.refer.settings import ReferSettings, load_settings

log = logging.getLogger(__name__)


def refer_settings(state: Any) -> ReferSettings:
    """The app's referral settings, read once (tests may put their own on `app.state.refer_settings`)."""
    found = getattr(state, "refer_settings", None)
    if found is None:
        found = load_settings(state.settings.refer_config, env=os.environ)
        state.refer_settings = found
    return found


class DispatcherThread:
    """`Dispatcher.run(stop)` in a daemon thread; restarted after an unexpected error (a database
    that went away), stopped and joined with the app."""

    def __init__(self, engine, settings: ReferSettings, *, interval: float, clock=None) -> None:
        from tidewatch.refer.channels import ChannelSet
        from tidewatch.refer.dispatch import Dispatcher

        ds = settings.dispatch
        self.interval = interval
        self.stop_event = threading.Event()
        self.channels = ChannelSet(settings, engine, clock=clock)
        self.dispatcher = Dispatcher(engine, self.channels, max_attempts=ds.max_attempts, base_delay=ds.base_delay,
                                     max_delay=ds.max_delay, lease=ds.lease, clock=clock)
        self.errors = 0
        self.thread = threading.Thread(target=self._loop, name="tidewatch-dispatcher", daemon=True)

    @property
    def worker(self) -> str:
        return self.dispatcher.worker

    def alive(self) -> bool:
        return self.thread.is_alive()

    def start(self) -> "DispatcherThread":
        self.thread.start()
        return self

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.dispatcher.run(self.stop_event, poll=self.interval)
            except Exception:  # noqa: BLE001 - keep dispatching after a passing fault; it is logged
                self.errors += 1
                log.exception("the referral dispatcher failed; retrying in %.1f s", self.interval)
                self.stop_event.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout)
        self.channels.close()


class RecheckThread:
    """Liveness re-checks on a schedule: every `interval` seconds, re-fetch the referred URLs that
    are due (each at most every `min_interval_hours`, rate-limited per host, address rules as
    ingest: tidewatch.refer.liveness). "First seen offline" is then the observed removal time
    when a platform does not answer."""

    def __init__(self, engine, settings: ReferSettings, *, interval: float, allow_private: bool = False,
                 clock=None, limiter=None) -> None:
        self.engine, self.settings, self.interval = engine, settings, interval
        self.allow_private, self.clock, self.limiter = allow_private, clock, limiter
        self.stop_event = threading.Event()
        self.runs = 0
        self.errors = 0
        self.thread = threading.Thread(target=self._loop, name="tidewatch-recheck", daemon=True)

    def start(self) -> "RecheckThread":
        self.thread.start()
        return self

    def _loop(self) -> None:
        from tidewatch.refer.liveness import recheck

        while not self.stop_event.is_set():
            try:
                recheck(self.engine, self.settings, allow_private=self.allow_private, clock=self.clock,
                        limiter=self.limiter)
                self.runs += 1
            except Exception:  # noqa: BLE001 - a failed round is logged and tried again next time
                self.errors += 1
                log.exception("liveness re-check failed; next round in %.0f s", self.interval)
            self.stop_event.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout)


@asynccontextmanager
async def lifespan(app):
    """Start the dispatcher with the app when the settings say so; stop it when the app stops."""
    state = app.state
    worker = None
    if state.settings.dispatcher:
        worker = DispatcherThread(state.repo.engine, refer_settings(state), interval=state.settings.dispatch_interval,
                                  clock=state.repo.now).start()
        log.info("referral dispatcher started as %s", worker.worker)
    state.dispatcher = worker
    checker = None
    if getattr(state.settings, "recheck", False):
        checker = RecheckThread(state.repo.engine, refer_settings(state), interval=state.settings.recheck_interval).start()
        log.info("liveness re-checks every %.0f s", state.settings.recheck_interval)
    state.rechecker = checker
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()
        if checker is not None:
            checker.stop()
        state.dispatcher = None
        state.rechecker = None
