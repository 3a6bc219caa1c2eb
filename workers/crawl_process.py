"""A crawl job's Scrapy process, run and watched from the crawl task (Scrapy's reactor cannot restart
inside a worker): cancelled on request, its log tail reported when it fails."""

from __future__ import annotations

import logging
import subprocess
import time

from akhbar.core.config import load_settings
from akhbar.core.jobs import JobStore, crawler_command, crawler_env
from akhbar.core.keys import JOB_EXIT_MESSAGE

log = logging.getLogger("akhbar.workers")


def run_crawl(store: JobStore, job_id: str) -> str:
    """Run a queued job's crawl to its end; the job's state after it."""
    state = store.get(job_id).state
    if state != "queued":
        return state
    store.set_state(job_id, "running")
    store.redis.hdel(store.key(job_id), JOB_EXIT_MESSAGE)  # a resumed job's earlier one
    settings = load_settings()
    cmd = crawler_command(job_id)  # the Redis URL (and its password) goes in the environment, not in `ps`
    log_path = settings.home / "logs" / f"crawl-{job_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # The crawl logs to a file: a pipe nobody reads until the end would fill up and stall the crawl.
    with open(log_path, "ab") as crawl_log:
        proc = subprocess.Popen(
            cmd, env=crawler_env(settings.require_redis_url()), stdout=crawl_log, stderr=subprocess.STDOUT
        )
        while proc.poll() is None:
            if store.cancelled(job_id):
                proc.terminate()
            time.sleep(0.5)
    if store.cancelled(job_id):
        return "cancelled"
    failed = proc.returncode != 0
    message = ""
    if failed:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-20:]
        log.error(
            "crawl of job %s exited with %s; log %s:\n%s", job_id, proc.returncode, log_path, "\n".join(tail)
        )
        how = (
            f"was killed (signal {-proc.returncode})"
            if proc.returncode < 0
            else f"exited with {proc.returncode}"
        )
        # A process that knew why it stopped (a backfill the archive blocked) said so in one line.
        said = store.redis.hget(store.key(job_id), JOB_EXIT_MESSAGE)
        if said:
            how = f"{how}: {said.decode()}"
        message = (
            f"crawler {how}; continue the crawl with `akhbar jobs resume {job_id}` (nothing it finished is "
            f"fetched again); log: {log_path}"
        )
    return store.crawl_finished(job_id, failed=failed, message=message)
