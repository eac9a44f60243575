"""The instances page's batch bar: tick instances, retry or cancel them all, come back to the same list."""

from __future__ import annotations

from flask.testing import FlaskClient

from engine.engine import Engine
from tests.integration.conftest import session_login


def test_ticked_instances_are_cancelled_and_the_list_comes_back_with_a_summary(
    client: FlaskClient, deployed: Engine
) -> None:
    running = [deployed.start("database-creation", {"database": f"db{n}"}) for n in range(3)]
    deployed.cancel(running[2].id)
    csrf = session_login(client, "operator")
    page = client.get("/instances?state=running").get_data(as_text=True)
    assert 'id="batch-form"' in page and page.count('name="ids"') == 2

    response = client.post(
        "/instances/batch",
        data={
            "csrf_token": csrf,
            "action": "cancel",
            "ids": [r.id for r in running],
            "back": "/instances?state=running",
        },
    )

    assert response.status_code == 302 and response.headers["Location"] == "/instances?state=running"
    assert [deployed.instance(r.id).state for r in running] == ["cancelled"] * 3
    shown = client.get("/instances").get_data(as_text=True)
    assert "Cancelled 2 instance(s)." in shown
    assert "1 not cancelled" in shown and "only running instances can be cancelled" in shown


def test_viewers_get_no_batch_bar_and_cannot_post_one(client: FlaskClient, deployed: Engine) -> None:
    instance = deployed.start("database-creation", {"database": "x"})
    csrf = session_login(client, "viewer")

    assert 'id="batch-form"' not in client.get("/instances").get_data(as_text=True)
    refused = client.post("/instances/batch", data={"csrf_token": csrf, "action": "cancel", "ids": [instance.id]})
    assert refused.status_code == 403
    assert deployed.instance(instance.id).state == "running"


def test_a_batch_leading_elsewhere_goes_back_to_the_instances_list(client: FlaskClient, deployed: Engine) -> None:
    csrf = session_login(client, "operator")
    response = client.post("/instances/batch", data={"csrf_token": csrf, "action": "retry", "back": "//evil.example/"})
    assert response.headers["Location"] == "/instances"
    assert "select at least one instance" in client.get("/instances").get_data(as_text=True)
