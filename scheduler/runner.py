"""The long-running scheduler: APScheduler with a SQLAlchemy job store in the project's database, run only by the
scheduler that holds the lease.

Every scheduler instance (``python -m bot scheduler``, or one per web worker through :func:`start_in_background`)
runs a small loop: every third of ``scheduler.lease_seconds`` it takes or renews the lease. The one that holds it
catches up on anything missed (one :func:`scheduler.run.run_due`), then starts APScheduler with

- ``tick``: an interval job every ``scheduler.tick_seconds`` running every job for the present moment, and
- one cron job per calendar job (the weekly digest, the daily overdue lists) so those slots start on the minute.

The others wait. A leader that fails to renew the lease shuts APScheduler down at once, and its job transactions are
fenced by the lease anyway (see :mod:`scheduler.lease`); one that stops gives the lease back so a standby takes over
within a few seconds. APScheduler's job store is only ever used by the leader, as APScheduler 3 requires.
"""

from __future__ import annotations

import atexit
import logging
import threading
from datetime import datetime
from typing import Any, Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from bot.store.base import utcnow
from handlers.reminders.localtime import zone
from scheduler import lease
from scheduler.jobs import build_jobs
from scheduler.run import Outcome, check_settings, lease_ttl_of, run_due, run_job

log = logging.getLogger(__name__)
JOB_TABLE = "apscheduler_jobs"
TICK_JOB = "tick"

_SERVICES: dict[str, "SchedulerService"] = {}


def run_registered_job(holder: str, job_name: str) -> None:
    """What APScheduler calls (a module-level function, so its job store can keep a reference to it)."""
    service = _SERVICES.get(holder)
    if service is None:
        log.warning("job %s fired for scheduler %s, which is not running in this process", job_name, holder)
        return
    service.run(job_name)


class SchedulerService:
    """One scheduler instance: stands by, or leads and runs the jobs. ``clock`` is the jobs' "now"."""

    def __init__(self, runtime: Any, *, holder: str | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        check_settings(runtime.config)
        self.runtime = runtime
        self.holder = holder or lease.new_holder_id()
        self.clock = clock
        self.jobs = {spec.name: spec for spec in build_jobs(runtime.config)}
        self.lease_ttl = lease_ttl_of(runtime.config)
        self.tick_seconds = float(runtime.config["scheduler"]["tick_seconds"])
        self.is_leader = False
        self.leading = threading.Event()  # set while this instance leads (tests and health checks wait on it)
        self._stopping = threading.Event()
        self._run_lock = threading.RLock()
        self._step_lock = threading.Lock()
        self._apscheduler: BackgroundScheduler | None = None
        self._thread: threading.Thread | None = None

    # -- leadership -----------------------------------------------------------------------------------------

    def step(self) -> bool:
        """Take or renew the lease; start leading or stop. Returns whether this instance leads now."""
        with self._step_lock:
            return self._step()

    def _step(self) -> bool:
        try:
            with self.runtime.session() as session:
                held = lease.acquire(session, self.holder, utcnow(), self.lease_ttl)
        except SQLAlchemyError:
            log.exception("scheduler %s could not reach the database to renew its lease", self.holder)
            held = False
        if held and not self.is_leader:
            self._lead()
        elif not held and self.is_leader:
            self._stand_by("the lease is held by another scheduler or could not be renewed")
        return held

    def _lead(self) -> None:
        log.info("scheduler %s takes the lease and starts the jobs", self.holder)
        self.is_leader = True
        _SERVICES[self.holder] = self
        self.run(None)  # catch up on whatever was missed while no scheduler ran
        if self.is_leader:
            self._apscheduler = self._build_apscheduler()
            self._apscheduler.start()
            self._forget_old_jobs()
            self.leading.set()

    def _stand_by(self, reason: str, level: int = logging.WARNING) -> None:
        log.log(level, "scheduler %s stops running jobs: %s", self.holder, reason)
        self.is_leader = False
        self.leading.clear()
        if self._apscheduler is not None:
            self._apscheduler.shutdown(wait=False)
            self._apscheduler = None

    def _build_apscheduler(self) -> BackgroundScheduler:
        tz = zone(self.runtime.config)
        stale = int(float(self.runtime.config["scheduler"]["stale_after_hours"]) * 3600)
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.runtime.engine, tablename=JOB_TABLE)},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": stale},
            timezone=tz,
        )
        reference = f"{__name__}:run_registered_job"
        scheduler.add_job(reference, IntervalTrigger(seconds=self.tick_seconds, timezone=tz), args=[self.holder, None],
                          id=TICK_JOB, name="every job for the present moment", replace_existing=True)
        for spec in self.jobs.values():
            if spec.is_calendar:
                scheduler.add_job(reference, CronTrigger(**spec.cron, timezone=tz), args=[self.holder, spec.name],
                                  id=spec.name, name=spec.description, replace_existing=True)
        return scheduler

    def _forget_old_jobs(self) -> None:
        """Drop jobs a previous version left in the job store (a renamed or removed job)."""
        wanted = {TICK_JOB, *(name for name, spec in self.jobs.items() if spec.is_calendar)}
        for job in self._apscheduler.get_jobs():
            if job.id not in wanted:
                log.info("removing job %s, which this version no longer has, from the job store", job.id)
                job.remove()

    # -- running jobs ---------------------------------------------------------------------------------------

    def run(self, job_name: str | None) -> list[Outcome]:
        """Run one job (or every job, for ``None``) for the present moment, if this instance leads."""
        with self._run_lock:
            if not self.is_leader:
                return []
            if job_name is not None and job_name not in self.jobs:
                log.warning("job %s is not a job of this version; ignored", job_name)
                return []
            now = self.clock()
            try:
                if job_name is None:
                    outcomes = run_due(self.runtime, now, self.holder, lease_ttl=self.lease_ttl)
                else:
                    outcomes = [run_job(self.runtime, self.jobs[job_name], now, self.holder, lease_ttl=self.lease_ttl)]
            except lease.LeaseLost as exc:
                self._stand_by(str(exc))
                return []
            if any(outcome.status == "lease lost" for outcome in outcomes):
                self._stand_by("the lease was lost during a run")
            return outcomes

    # -- process --------------------------------------------------------------------------------------------

    def run_forever(self) -> None:
        """Stand by or lead until :meth:`stop` is called."""
        interval = max(1.0, self.lease_ttl.total_seconds() / 3)
        while not self._stopping.is_set():
            try:
                self.step()
            except Exception:  # whatever happens, this instance keeps trying (and does not lead meanwhile)
                log.exception("scheduler %s: leadership step failed", self.holder)
                if self.is_leader:
                    self._stand_by("the leadership step failed")
            self._stopping.wait(interval)
        self._shut_down()

    def start(self) -> "SchedulerService":
        """Run :meth:`run_forever` in a daemon thread; return self."""
        self._thread = threading.Thread(target=self.run_forever, name=f"scheduler-{self.holder}", daemon=True)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Ask :meth:`run_forever` to finish (safe from a signal handler)."""
        self._stopping.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop leading or standing by, and give the lease back."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        elif self.is_leader:
            self._shut_down()

    def _shut_down(self) -> None:
        with self._run_lock:
            if self.is_leader:
                self._stand_by("stopping", logging.INFO)
            _SERVICES.pop(self.holder, None)
            try:
                with self.runtime.session() as session:
                    lease.release(session, self.holder, utcnow())
            except SQLAlchemyError:
                log.exception("scheduler %s could not give its lease back; it expires on its own", self.holder)


def start_in_background(runtime: Any) -> SchedulerService:
    """Run the scheduler in a background thread of this process (``serve --with-scheduler``, one per web worker:
    only the worker holding the lease runs jobs). It stops, giving its lease back, when the interpreter exits or
    when ``.stop()`` is called on the result."""
    service = SchedulerService(runtime).start()
    atexit.register(service.stop)
    return service
