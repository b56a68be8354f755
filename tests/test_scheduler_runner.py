"""The long-running scheduler: one leader among several instances (one per web worker), failover, APScheduler's
persistent job store, and start_in_background for `serve --with-scheduler`."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import text, update

from bot.store.schedule import SchedulerLease
from scheduler.runner import TICK_JOB, SchedulerService, start_in_background


def _wait_for(condition, seconds: float = 10.0) -> bool:
    """Poll a condition another thread makes true (thread hand-over, not a scheduled time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_one_of_two_instances_leads_and_the_other_takes_over_when_it_stops(sched) -> None:
    moment = sched.at("2026-10-23T09:00")
    first = SchedulerService(sched.runtime, holder="worker-1", clock=lambda: moment)
    second = SchedulerService(sched.runtime.make(), holder="worker-2", clock=lambda: moment)
    try:
        assert first.step() is True  # leads: catches up on everything due at 09:00
        assert second.step() is False
        assert len(sched.queued("reminder:")) == 3
        first.stop()
        assert not first.is_leader
        assert second.step() is True  # the lease was given back: no waiting for it to expire
        assert len(sched.queued("reminder:")) == 3  # its catch-up found nothing left to send
    finally:
        first.stop()
        second.stop()


def test_a_leader_that_lost_its_lease_stops_running_jobs(sched) -> None:
    moment = sched.at("2026-10-23T09:00")
    first = SchedulerService(sched.runtime, holder="worker-1", clock=lambda: moment)
    second = SchedulerService(sched.runtime.make(), holder="worker-2", clock=lambda: moment)
    try:
        assert first.step()
        with sched.runtime.session() as session:  # worker-1 froze past its lease's expiry
            session.execute(update(SchedulerLease).values(expires_at=SchedulerLease.acquired_at))
        assert second.step()
        assert first.step() is False
        assert not first.is_leader and first._apscheduler is None
        assert first.run(None) == []  # even a job APScheduler had already started does nothing
    finally:
        first.stop()
        second.stop()


def test_the_leader_keeps_its_jobs_in_apschedulers_database_job_store(sched) -> None:
    service = SchedulerService(sched.runtime, holder="worker-1", clock=lambda: sched.at("2026-10-23T09:00"))
    try:
        service.step()
        with sched.runtime.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, next_run_time FROM apscheduler_jobs ORDER BY id")).all()
        assert [row.id for row in rows] == ["overdue-lists", TICK_JOB, "weekly-digest"]
        assert all(row.next_run_time for row in rows)
    finally:
        service.stop()


def test_jobs_a_previous_version_left_in_the_job_store_are_dropped(sched) -> None:
    first = SchedulerService(sched.runtime, holder="old-version", clock=lambda: sched.at("2026-10-23T09:00"))
    first.step()
    first._apscheduler.add_job("scheduler.runner:run_registered_job", "interval", hours=1, args=["old-version", "gone"], id="gone")
    first.stop()
    second = SchedulerService(sched.runtime.make(), holder="new-version", clock=lambda: sched.at("2026-10-23T09:00"))
    try:
        second.step()
        assert {job.id for job in second._apscheduler.get_jobs()} == {TICK_JOB, "overdue-lists", "weekly-digest"}
        assert second.run("gone") == []
    finally:
        second.stop()


def test_start_in_background_runs_the_jobs_through_apscheduler(sched) -> None:
    clock = [sched.at("2026-10-23T09:00")]
    runtime = sched.runtime
    service = SchedulerService(runtime, clock=lambda: clock[0]).start()
    try:
        assert service.leading.wait(10)
        assert len(sched.queued("reminder:")) == 3
        clock[0] = sched.at("2026-10-28T09:00")
        service._apscheduler.get_job(TICK_JOB).modify(next_run_time=datetime.now(timezone.utc))  # the next tick: now
        assert _wait_for(lambda: len(sched.queued("reminder:")) == 3 + 6)
    finally:
        service.stop()
    assert not service.is_leader


def test_one_scheduler_per_web_worker_means_one_leader(sched) -> None:
    workers = [start_in_background(sched.runtime.make()) for _ in range(3)]
    try:
        assert _wait_for(lambda: sum(worker.leading.is_set() for worker in workers) == 1)
        assert _wait_for(lambda: all(worker._thread.is_alive() for worker in workers))
        leader = next(worker for worker in workers if worker.is_leader)
        leader.stop()
        standby = [worker for worker in workers if worker is not leader]
        assert sum(worker.step() for worker in standby) == 1
    finally:
        for worker in workers:
            worker.stop()
