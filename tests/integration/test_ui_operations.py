"""The operator forms of the instance and definition pages: rewind, modify, migrate; bad input is a flash."""

from __future__ import annotations

from flask.testing import FlaskClient

from engine.engine import Engine
from tests.conftest import DATA, EXAMPLES
from tests.integration.conftest import session_login


def test_modify_form_moves_a_token_and_a_bad_one_says_why(client: FlaskClient, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "x"})
    csrf = session_login(client, "operator")
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert 'id="modify-form"' in page and 'id="time-travel"' in page

    bad = client.post(
        f"/instances/{instance.id}/modify",
        data={"csrf_token": csrf, "kind": "move", "element": "Activity_CreateReplication", "target": "Gateway_Join"},
    )
    assert bad.status_code == 302
    assert "no token is at element" in client.get(f"/instances/{instance.id}").get_data(as_text=True)
    version = deployed.instance(instance.id).version

    client.post(
        f"/instances/{instance.id}/modify",
        data={
            "csrf_token": csrf,
            "kind": "move",
            "element": "Activity_CreateDatabaseIstanbul",
            "target": "Activity_CreateReplication",
            "variables": '{"note": 1}',
        },
    )
    assert deployed.instance(instance.id).version == version + 1
    assert "Tokens changed." in client.get(f"/instances/{instance.id}").get_data(as_text=True)
    bad_json = client.post(
        f"/instances/{instance.id}/modify",
        data={"csrf_token": csrf, "kind": "cancel", "element": "Activity_CreateReplication", "variables": "[1]"},
    )
    assert bad_json.status_code == 302 and deployed.instance(instance.id).version == version + 1


def test_forms_need_the_csrf_token_and_an_operator(client: FlaskClient, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "x"})
    csrf = session_login(client, "viewer")
    assert client.post(f"/instances/{instance.id}/rewind", data={"csrf_token": csrf, "step": "1"}).status_code == 403
    session_login(client, "operator")
    assert client.post(f"/instances/{instance.id}/rewind", data={"step": "1"}).status_code in (400, 403)
    assert deployed.instance(instance.id).version == 1


def test_rewind_form_restarts_from_a_step(client: FlaskClient, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "x"})
    (job, *_) = deployed.claim_jobs("w", ["create-database"], max_jobs=5)
    deployed.complete_job(job.id, {}, worker_id="w")
    csrf = session_login(client, "operator")

    client.post(f"/instances/{instance.id}/rewind", data={"csrf_token": csrf, "step": "1", "reason": "again"})

    assert "Restarted from step 1" in client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert len(deployed.store_jobs(instance_id=instance.id)) == 2
    client.post(f"/instances/{instance.id}/rewind", data={"csrf_token": csrf, "step": "x"})
    assert "pick a step" in client.get(f"/instances/{instance.id}").get_data(as_text=True)


def test_migrate_form_moves_the_running_instances_of_a_version(client: FlaskClient, engine: Engine) -> None:
    engine.deploy_paths([EXAMPLES / "database-creation-c8.bpmn"])
    engine.deploy_paths([DATA / "database-creation-c8-v2.bpmn"])
    v1 = engine.definitions.resolve("database-creation-c8", 1)
    v2 = engine.definitions.resolve("database-creation-c8", 2)
    ids = [engine.start("database-creation-c8", {"regions": ["a"]}, version=1).id for _ in range(3)]
    csrf = session_login(client, "operator")
    assert 'id="migrate-form"' in client.get("/definitions/database-creation-c8?version=1").get_data(as_text=True)

    client.post(
        "/definitions/database-creation-c8/migrate",
        data={"csrf_token": csrf, "source": v1.id, "source_version": "1", "target": v2.id, "mapping": ""},
    )

    assert {engine.instance(i).definition_id for i in ids} == {v2.id}
    assert "Migrated 3 instance(s) to version 2." in client.get("/definitions/database-creation-c8").get_data(
        as_text=True
    )
    client.post(
        "/definitions/database-creation-c8/migrate",
        data={"csrf_token": csrf, "source": v1.id, "target": v2.id, "mapping": '{"Nope": "x"}'},
    )
    assert "does not have" in client.get("/definitions/database-creation-c8").get_data(as_text=True)
