"""PostgreSQL goes away under running workers: they wait and retry, then finish everything, losing nothing.

The workers reach the server through a TCP proxy the test cuts and restores
(the shared server itself keeps running for everyone else). While it is cut,
every connection drops and new ones fail, as during a server restart.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from engine.engine import Engine
from service_tasks.region_store import read_creations
from tests.conftest import deploy
from tests.integration.tcp_proxy import TcpProxy
from tests.integration.worker_processes import start_worker, stop_all, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
INSTANCES = 12
REGIONS = ["eu", "us", "ap"]
OUTAGE_S = 6.0


def test_workers_wait_for_a_lost_database_and_finish_without_losing_anything(
    make_engine: Callable[..., Engine], db_url: str, tmp_path: Path
) -> None:
    engine = make_engine()
    deploy(engine, "database-creation-c8.bpmn")
    ids = [
        engine.start("database-creation-c8", {"database": f"db{n}", "regions": REGIONS}).id for n in range(INSTANCES)
    ]
    url = make_url(db_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    data_dir = tmp_path / "data"
    slow = {"STEADYFLOW_DEMO_DELAY_S": "0.3"}
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    workers = [start_worker(proxied, data_dir, "--concurrency", "3", env=slow, log_path=log) for log in logs]
    try:
        wait_until(lambda: len(read_creations(data_dir)) >= 4, timeout_s=60, what="the first creations")
        proxy.cut()
        time.sleep(OUTAGE_S)  # the outage itself; nothing is measured
        assert [w.poll() for w in workers] == [None, None], "a worker gave up while the database was away"
        assert proxy.refused > 0, "the workers did not try to reconnect during the outage"
        proxy.restore()

        wait_until(
            lambda: {engine.instance(i).state for i in ids} == {"completed"}, timeout_s=120, what="every instance"
        )
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        assert [w.wait(timeout=60) for w in workers] == [0, 0]
    finally:
        stop_all(workers)
        proxy.close()

    per_database = Counter((c["instance_id"], c["region"]) for c in read_creations(data_dir))
    assert set(per_database) == {(i, r) for i in ids for r in REGIONS}
    assert set(per_database.values()) == {1}, "a region database was created twice"
    for instance_id in ids:
        seqs = [e["seq"] for e in engine.view(instance_id).history]
        assert seqs == list(range(1, len(seqs) + 1))
    assert engine.store_jobs() == []
    output = "".join(log.read_text() for log in logs)
    assert "unavailable during" in output and "is back after" in output, output[-3000:]
