"""The REST connector against a real HTTP server on 127.0.0.1.

The server records every request and answers by path:

* ``/echo``: 200 with a JSON description of the request it received;
* ``/items/42``: 200 with a JSON item;
* ``/text``: 200 with a plain text body;
* ``/status/<n>``: status ``n`` with a JSON body that echoes the request's
  Authorization header and query string (so secret scrubbing is exercised);
* ``/redirect``: 302 to ``/items/42``;
* ``/slow``: waits (up to 5 s, released at teardown) before answering.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from engine.handlers import BpmnError, JobContext, NonRetryableError
from service_tasks.http_connector import CAMUNDA_JOB_TYPE, http_connector
from service_tasks.http_errors import TransientHttpError
from service_tasks.registry import ServiceTaskRegistry

PASSWORD = "pa55-w0rd-never-shown"
TOKEN = "tok-3f9a8b7c6d5e-never-shown"
API_KEY = "key-a1b2c3d4e5-never-shown"
SECRETS = (PASSWORD, TOKEN, API_KEY, base64.b64encode(f"alice:{PASSWORD}".encode()).decode())


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ApiHandler)
        self.received: list[Received] = []
        self.release = threading.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class ApiHandler(BaseHTTPRequestHandler):
    server: ApiServer

    def do_GET(self) -> None:
        self._answer()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # the server's own access log is noise
        pass

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        received = Received(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length),
        )
        self.server.received.append(received)
        if parts.path == "/echo":
            self._send(200, {"method": received.method, "query": received.query, "body": received.body.decode()})
        elif parts.path == "/items/42":
            self._send(200, {"id": 42, "name": "widget"}, extra=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        elif parts.path == "/text":
            self._send_raw(200, b"plain hello", "text/plain; charset=utf-8")
        elif parts.path.startswith("/status/"):
            status = int(parts.path.rsplit("/", 1)[1])
            echo = {"error": f"status {status}", "auth": received.headers.get("authorization"), "query": parts.query}
            self._send(status, echo)
        elif parts.path == "/redirect":
            self._send_raw(302, b"", "text/plain", extra=[("Location", "/items/42")])
        elif parts.path == "/slow":
            self.server.release.wait(5)
            self._send(200, {"late": True})
        else:
            self._send(404, {"error": "no such path"})

    def _send(self, status: int, payload: object, extra: list[tuple[str, str]] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), "application/json", extra)

    def _send_raw(
        self, status: int, body: bytes, content_type: str, extra: list[tuple[str, str]] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra or []:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (read timeout test)


@pytest.fixture
def api() -> Iterator[ApiServer]:
    server = ApiServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def job(variables: Mapping[str, Any], headers: Mapping[str, str] | None = None, retries_left: int = 2) -> JobContext:
    return JobContext(
        job_id="job-1",
        job_type=CAMUNDA_JOB_TYPE,
        instance_id="instance-1",
        element_id="Task_CallApi",
        business_key=None,
        variables=variables,
        headers=headers or {},
        attempt=1,
        idempotency_key="instance-1:task-1",
        data_dir=Path("."),
        retries_left=retries_left,
    )


def refused_url() -> str:
    """A 127.0.0.1 URL whose port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing"


# --- requests reach the server as configured ----------------------------------------


def test_get_sends_query_parameters_and_headers(api: ApiServer) -> None:
    http_connector(
        job(
            {
                "method": "GET",
                "url": api.url("/echo?fixed=1"),
                "queryParameters": {"q": "berlin", "units": "metric", "tags": ["a", "b"], "skip": None},
                "headers": {"Accept": "application/json", "X-Trace": 7},
            }
        )
    )

    (received,) = api.received
    assert received.method == "GET"
    assert received.query == {"fixed": ["1"], "q": ["berlin"], "units": ["metric"], "tags": ["a", "b"]}
    assert received.headers["accept"] == "application/json"
    assert received.headers["x-trace"] == "7"
    assert received.body == b""


def test_post_sends_the_body_as_json(api: ApiServer) -> None:
    body = {"order": {"id": "A-1", "lines": [1, 2]}, "paid": True, "note": None}

    http_connector(job({"method": "POST", "url": api.url("/echo"), "body": body}))

    (received,) = api.received
    assert received.method == "POST"
    assert received.headers["content-type"] == "application/json"
    assert json.loads(received.body) == body


def test_a_text_body_is_sent_as_written_with_the_given_content_type(api: ApiServer) -> None:
    http_connector(
        job({"method": "PUT", "url": api.url("/echo"), "body": "a,b\n1,2", "headers": {"Content-Type": "text/csv"}})
    )

    (received,) = api.received
    assert received.body == b"a,b\n1,2"
    assert received.headers["content-type"] == "text/csv"


def test_a_get_never_sends_a_body(api: ApiServer) -> None:
    http_connector(job({"method": "GET", "url": api.url("/echo"), "body": {"ignored": True}}))

    assert api.received[0].body == b""
    assert "content-type" not in api.received[0].headers


def test_basic_authentication_reaches_the_server(api: ApiServer) -> None:
    auth = {"type": "basic", "username": "alice", "password": PASSWORD}

    http_connector(job({"method": "GET", "url": api.url("/echo"), "authentication": auth}))

    expected = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    assert api.received[0].headers["authorization"] == expected


def test_bearer_authentication_reaches_the_server(api: ApiServer) -> None:
    auth = {"type": "bearer", "token": TOKEN}

    http_connector(job({"method": "GET", "url": api.url("/echo"), "authentication": auth}))

    assert api.received[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("location", ["headers", "query"])
def test_api_key_authentication_reaches_the_server(api: ApiServer, location: str) -> None:
    auth = {"type": "apiKey", "name": "X-Api-Key", "value": API_KEY, "apiKeyLocation": location}

    http_connector(job({"method": "GET", "url": api.url("/echo"), "authentication": auth}))

    received = api.received[0]
    if location == "headers":
        assert received.headers["x-api-key"] == API_KEY
    else:
        assert received.query["X-Api-Key"] == [API_KEY]


# --- outputs ------------------------------------------------------------------------


def test_result_variable_stores_status_headers_and_json_body(api: ApiServer) -> None:
    result = http_connector(job({"method": "GET", "url": api.url("/items/42")}, {"resultVariable": "item"}))

    assert set(result) == {"item"}
    item = result["item"]
    assert item["status"] == 200
    assert item["body"] == {"id": 42, "name": "widget"}
    assert item["headers"]["Content-Type"] == "application/json"
    assert item["headers"]["Set-Cookie"] == ["a=1", "b=2"]


def test_result_expression_sees_response_and_its_entries_as_top_level_names(api: ApiServer) -> None:
    headers = {"resultExpression": "={itemId: response.body.id, itemName: body.name, httpStatus: status}"}

    result = http_connector(job({"method": "GET", "url": api.url("/items/42")}, headers))

    assert result == {"itemId": 42, "itemName": "widget", "httpStatus": 200}


def test_result_variable_and_expression_combine(api: ApiServer) -> None:
    headers = {"resultVariable": "raw", "resultExpression": "={name: body.name}"}

    result = http_connector(job({"method": "GET", "url": api.url("/items/42")}, headers))

    assert result["name"] == "widget"
    assert result["raw"]["body"]["id"] == 42


def test_the_template_default_result_expression_with_comments_works(api: ApiServer) -> None:
    expression = "={\n  myResponseBody: response.body\n  // Use FEEL to extract values, e.g.,:\n}"

    result = http_connector(job({"method": "GET", "url": api.url("/items/42")}, {"resultExpression": expression}))

    assert result == {"myResponseBody": {"id": 42, "name": "widget"}}


def test_without_output_headers_no_variables_are_set(api: ApiServer) -> None:
    assert http_connector(job({"method": "GET", "url": api.url("/items/42")})) == {}


def test_a_text_response_body_stays_text(api: ApiServer) -> None:
    result = http_connector(job({"method": "GET", "url": api.url("/text")}, {"resultVariable": "r"}))

    assert result["r"]["body"] == "plain hello"


def test_a_result_expression_that_is_not_a_context_is_an_incident(api: ApiServer) -> None:
    with pytest.raises(NonRetryableError, match=r"Task_CallApi.*resultExpression.*must give a context"):
        http_connector(job({"method": "GET", "url": api.url("/items/42")}, {"resultExpression": "=body.id"}))


def test_invalid_feel_fails_the_job_before_any_request(api: ApiServer) -> None:
    with pytest.raises(NonRetryableError, match=r"'resultExpression' is not valid FEEL"):
        http_connector(job({"method": "POST", "url": api.url("/echo")}, {"resultExpression": "={id: }"}))

    assert api.received == []


def test_redirects_are_not_followed_unless_asked(api: ApiServer) -> None:
    plain = http_connector(job({"method": "GET", "url": api.url("/redirect")}, {"resultVariable": "r"}))
    followed = http_connector(
        job({"method": "GET", "url": api.url("/redirect"), "followRedirects": True}, {"resultVariable": "r"})
    )

    assert plain["r"]["status"] == 302
    assert plain["r"]["headers"]["Location"] == "/items/42"
    assert followed["r"]["status"] == 200
    assert followed["r"]["body"]["id"] == 42


# --- errors -------------------------------------------------------------------------


def test_error_expression_maps_a_404_to_a_bpmn_error(api: ApiServer) -> None:
    headers = {
        "errorExpression": '=if error.code = "404" then {code: "ITEM_NOT_FOUND", message: "no item " + '
        "string(response.status), variables: {lookupError: error.variables.response.body.error}} else null"
    }

    with pytest.raises(BpmnError) as caught:
        http_connector(job({"method": "GET", "url": api.url("/status/404")}, headers))

    assert caught.value.code == "ITEM_NOT_FOUND"
    assert caught.value.message == "no item 404"
    assert caught.value.variables == {"lookupError": "status 404"}


def test_error_expression_giving_null_leaves_the_status_rules_in_charge(api: ApiServer) -> None:
    headers = {"errorExpression": '=if error.code = "409" then {code: "CONFLICT"} else null'}

    with pytest.raises(NonRetryableError, match="answered 404"):
        http_connector(job({"method": "GET", "url": api.url("/status/404")}, headers))


def test_error_expression_can_turn_a_successful_answer_into_a_bpmn_error(api: ApiServer) -> None:
    headers = {"errorExpression": '=if body.name = "widget" then {code: "WIDGETS_UNSUPPORTED"} else null'}

    with pytest.raises(BpmnError) as caught:
        http_connector(job({"method": "GET", "url": api.url("/items/42")}, headers))

    assert caught.value.code == "WIDGETS_UNSUPPORTED"


def test_a_4xx_is_an_incident_naming_method_url_status_and_body(api: ApiServer) -> None:
    with pytest.raises(NonRetryableError) as caught:
        http_connector(job({"method": "DELETE", "url": api.url("/status/400?id=7")}))

    message = str(caught.value)
    assert "Task_CallApi" in message
    assert f"DELETE {api.url('/status/400')}?id=***" in message
    assert "400 Bad Request" in message
    assert '"error": "status 400"' in message


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_server_errors_and_try_again_statuses_are_retried(api: ApiServer, status: int) -> None:
    with pytest.raises(TransientHttpError, match=f"answered {status}"):
        http_connector(job({"method": "POST", "url": api.url(f"/status/{status}"), "body": {"a": 1}}))


def test_a_refused_connection_is_retried() -> None:
    with pytest.raises(TransientHttpError, match=r"cannot reach 127\.0\.0\.1:\d+") as caught:
        http_connector(job({"method": "GET", "url": refused_url()}))

    assert not isinstance(caught.value, NonRetryableError)


def test_error_expression_sees_transport_failures_as_code_408() -> None:
    headers = {"errorExpression": '=if error.code = "408" then {code: "UNREACHABLE", message: error.type} else null'}

    with pytest.raises(BpmnError) as caught:
        http_connector(job({"method": "GET", "url": refused_url()}, headers))

    assert (caught.value.code, caught.value.message) == ("UNREACHABLE", "connectionFailed")


def test_a_read_timeout_is_retried(api: ApiServer) -> None:
    with pytest.raises(TransientHttpError, match=r"no answer within 0\.2 s \(readTimeoutInSeconds\)"):
        http_connector(job({"method": "GET", "url": api.url("/slow"), "readTimeoutInSeconds": 0.2}))


# --- secrets ------------------------------------------------------------------------


def _failure_text(exc: BaseException) -> str:
    """What the engine keeps of a failure: the message and, for retries, the traceback."""
    return str(exc) + "".join(traceback.format_exception(exc))


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/status/401", NonRetryableError), ("/status/503", TransientHttpError), ("/items/42", None)],
)
@pytest.mark.parametrize(
    "auth",
    [
        {"type": "basic", "username": "alice", "password": PASSWORD},
        {"type": "bearer", "token": TOKEN},
        {"type": "apiKey", "name": "appid", "value": API_KEY, "apiKeyLocation": "query"},
    ],
    ids=["basic", "bearer", "apiKey"],
)
def test_secrets_never_reach_messages_or_logs(
    api: ApiServer,
    caplog: pytest.LogCaptureFixture,
    path: str,
    expected: type[Exception] | None,
    auth: dict[str, str],
) -> None:
    caplog.set_level(logging.DEBUG)
    variables = {"method": "GET", "url": api.url(path), "authentication": auth, "headers": {"X-Session": TOKEN}}

    try:
        http_connector(job(variables))
    except Exception as exc:  # noqa: BLE001 - the type is asserted below
        assert isinstance(exc, expected or ())
        text = _failure_text(exc)
    else:
        assert expected is None
        text = ""

    assert api.received, "the request must have reached the server"
    text += caplog.text
    assert "HTTP" in caplog.text
    for secret in SECRETS:
        assert secret not in text


def test_credentials_in_the_url_are_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = refused_url().replace("http://", f"http://alice:{PASSWORD}@") + f"?appid={API_KEY}"

    with pytest.raises(TransientHttpError) as caught:
        http_connector(job({"method": "GET", "url": url}))

    text = _failure_text(caught.value) + caplog.text
    assert "appid=***" in str(caught.value)
    assert PASSWORD not in text
    assert API_KEY not in text


# --- registration -------------------------------------------------------------------


@pytest.mark.parametrize("job_type", ["io.camunda:http-json:1", "http"])
def test_the_connector_is_a_built_in_for_both_job_types(job_type: str) -> None:
    assert ServiceTaskRegistry.default(load_entry_points=False).get(job_type) is http_connector
