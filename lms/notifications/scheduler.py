"""The reminder scheduler inside each server process.

When ``SCHEDULER_ENABLED`` (default on in development and production, off in
testing; env ``SCHEDULER_ENABLED=0`` turns it off), the first request a
process serves starts one daemon background loop in that process. Ten
seconds later, then every ``SCHEDULER_INTERVAL_SECONDS`` (60), it runs
``send_due_notifications`` in an app context (the eligibility evaluation for
at-risk nudges only every ``SCHEDULER_AT_RISK_INTERVAL_SECONDS``, hourly; 0:
never, leave them to cron), then delivers the queued mail. Errors are logged, never raised: the loop and
the worker go on.

Under gevent the loop shares the worker's event loop: the hourly evaluation of
every active participant is CPU work that holds the worker's other requests
for its duration (about as long as the coordinators' at-risk page). With very
large cohorts, set ``SCHEDULER_AT_RISK_INTERVAL_SECONDS=0`` and run
``flask --app wsgi lms send-due-notifications`` from cron instead (it does
everything, nudges included).

Starting on the first request (not in ``create_app``) keeps it out of
``flask db``/``flask lms`` commands and of the reloader's parent process, and
gives each gunicorn worker (forked after the app is built) its own loop. Under
gunicorn with gevent, ``threading`` is monkey-patched and the loop is a
greenlet. Several processes running loops at once is safe: every reminder and
digest is claimed in the database before it is sent
(``lms.notifications.reminders``). Cron can run the same work with
``flask --app wsgi lms send-due-notifications`` (then set
``SCHEDULER_ENABLED=0`` if you prefer cron alone).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)

EXTENSION_KEY = "lms_scheduler"
FIRST_DELAY_SECONDS = 10.0
_start_lock = threading.Lock()


class Scheduler:
    """One background loop for one app in one process."""

    def __init__(self, app: Flask, interval: float, at_risk_interval: float,
                 job: Callable[..., object] | None = None, first_delay: float = FIRST_DELAY_SECONDS) -> None:
        self.app = app
        self.interval = max(float(interval), 1.0)
        self.first_delay = min(float(first_delay), self.interval)
        self.at_risk_interval = float(at_risk_interval)
        self.job = job or _send_due
        self.pid = os.getpid()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.runs = 0
        self.last_at_risk: float | None = None

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> None:
        self.thread = threading.Thread(target=self._loop, name="lms-scheduler", daemon=True)
        self.thread.start()

    def stop(self, timeout: float | None = 5) -> None:
        self.stopping.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _loop(self) -> None:
        log.info("Reminder scheduler started in process %s (every %ss)", self.pid, self.interval)
        # A moment for the worker to settle (and serve its first requests) before the first run.
        if self.stopping.wait(self.first_delay):
            return
        while not self.stopping.is_set():
            self.run_once()
            if self.stopping.wait(self.interval):
                break

    def run_once(self):
        """One run in its own app context; errors are logged and swallowed. Returns the job's result."""
        at_risk = self.at_risk_interval > 0 and (
            self.last_at_risk is None or time.monotonic() - self.last_at_risk >= self.at_risk_interval)
        try:
            with self.app.app_context():
                from lms.extensions import db

                try:
                    result = self.job(at_risk=at_risk)
                    if at_risk:
                        self.last_at_risk = time.monotonic()
                    return result
                except Exception:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()
        except Exception:  # never let the loop (or the worker) die
            log.exception("The reminder scheduler's run failed; it runs again in %ss", self.interval)
            return None
        finally:
            self.runs += 1


def _send_due(*, at_risk: bool = True):
    from lms.mail.operations import deliver_pending
    from lms.notifications.reminders import send_due_notifications

    counts = send_due_notifications(at_risk=at_risk, submission_digests=True)
    sent = sum(value for key, value in counts.items() if key not in ("skipped", "failed"))
    if sent:
        log.info("Scheduler sent %s", {key: value for key, value in counts.items() if value})
        deliver_pending()
    return counts


def start_scheduler(app: Flask, job: Callable[..., object] | None = None,
                    first_delay: float = FIRST_DELAY_SECONDS) -> Scheduler:
    """Start this process's loop for ``app`` unless one runs already (a forked child starts its own)."""
    existing = app.extensions.get(EXTENSION_KEY)
    if existing is not None and existing.pid == os.getpid() and existing.alive:
        return existing
    with _start_lock:
        existing = app.extensions.get(EXTENSION_KEY)
        if existing is not None and existing.pid == os.getpid() and existing.alive:
            return existing
        scheduler = Scheduler(app, app.config.get("SCHEDULER_INTERVAL_SECONDS", 60),
                              app.config.get("SCHEDULER_AT_RISK_INTERVAL_SECONDS", 3600), job, first_delay)
        app.extensions[EXTENSION_KEY] = scheduler
        scheduler.start()
        return scheduler


def register_scheduler(app: Flask) -> None:
    """Start the loop on the first request this process serves (when ``SCHEDULER_ENABLED``)."""
    if not app.config.get("SCHEDULER_ENABLED"):
        return

    @app.before_request
    def _start_scheduler_once():
        scheduler = app.extensions.get(EXTENSION_KEY)
        if scheduler is None or scheduler.pid != os.getpid() or not scheduler.alive:
            start_scheduler(app)
