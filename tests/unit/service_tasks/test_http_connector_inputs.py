"""The REST connector's input checks, response decoding and redaction, without a network.

Where a whole call is needed, httpx's MockTransport stands in for the server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.handlers import BpmnError, JobContext, NonRetryableError
from service_tasks.http_connector import HttpConnector
from service_tasks.http_redaction import Redactor, safe_url
from service_tasks.http_request import DEFAULT_TIMEOUT_S, read_request
from service_tasks.http_response import ResponseTooLarge, decode_body, read_limited, response_headers

SECRET = "s3cr3t-value-never-shown"


def job(variables: dict[str, Any], headers: dict[str, str] | None = None) -> JobContext:
    return JobContext(
        job_id="job-1",
        job_type="http",
        instance_id="instance-1",
        element_id="Task_CallApi",
        business_key=None,
        variables=variables,
        headers=headers or {},
        attempt=1,
        idempotency_key="instance-1:task-1",
        data_dir=Path("."),
    )


# --- request inputs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"url": "https://api.test/x", "method": "TRACE"}, r"'method' must be one of GET, POST"),
        ({"method": "GET"}, r"'url' is missing"),
        ({"url": "ftp://files.test/x"}, r"'url' must be an absolute http:// or https:// URL"),
        ({"url": "/relative/path"}, r"absolute http:// or https://"),
        ({"url": "https://api.test:99999/x"}, r"not a valid URL"),
        ({"url": "https://api.test", "headers": ["Accept"]}, r"'headers' must be an object"),
        ({"url": "https://api.test", "headers": {"X-A": {"nested": 1}}}, r"'headers.X-A' must be text"),
        ({"url": "https://api.test", "queryParameters": "a=1"}, r"'queryParameters' must be an object"),
        ({"url": "https://api.test", "readTimeoutInSeconds": -1}, r"'readTimeoutInSeconds' must be a number"),
        ({"url": "https://api.test", "connectionTimeoutInSeconds": "soon"}, r"'connectionTimeoutInSeconds'"),
        ({"url": "https://api.test", "followRedirects": "maybe"}, r"'followRedirects' must be true or false"),
        ({"url": "https://api.test", "authentication": {"type": "digest"}}, r"unknown authentication type"),
        ({"url": "https://api.test", "authentication": {"type": "bearer"}}, r"needs authentication.token"),
        (
            {"url": "https://api.test", "authentication": {"type": "oauth-client-credentials-flow"}},
            r"not supported.*use authentication type 'bearer'",
        ),
    ],
)
def test_bad_inputs_are_incidents_naming_the_variable(variables: dict[str, Any], message: str) -> None:
    with pytest.raises(NonRetryableError, match=message):
        read_request(variables)


def test_bad_inputs_through_the_handler_name_the_service_task() -> None:
    with pytest.raises(NonRetryableError, match=r"^service task 'Task_CallApi': job variable 'url'"):
        HttpConnector()(job({"method": "GET"}))


def test_defaults_are_get_and_twenty_second_timeouts() -> None:
    request = read_request({"url": "https://api.test/items"})

    assert request.method == "GET"
    assert request.connect_timeout_s == request.read_timeout_s == DEFAULT_TIMEOUT_S
    assert request.follow_redirects is False
    assert request.content is None


def test_zero_timeouts_wait_forever_and_numeric_text_is_accepted() -> None:
    request = read_request({"url": "https://api.test", "connectionTimeoutInSeconds": 0, "readTimeoutInSeconds": "5"})

    assert request.connect_timeout_s is None
    assert request.read_timeout_s == 5.0


def test_method_is_case_insensitive() -> None:
    assert read_request({"url": "https://api.test", "method": "post"}).method == "POST"


def test_a_form_content_type_sends_a_form() -> None:
    request = read_request(
        {
            "url": "https://api.test",
            "method": "POST",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
            "body": {"grant": "client", "n": 2},
        }
    )

    assert request.content == b"grant=client&n=2"


def test_the_authentication_section_wins_over_a_hand_written_authorization_header() -> None:
    request = read_request(
        {
            "url": "https://api.test",
            "headers": {"Authorization": "Bearer old"},
            "authentication": {"type": "bearer", "token": SECRET},
        }
    )

    assert request.headers["Authorization"] == f"Bearer {SECRET}"


def test_a_wrongly_typed_password_is_described_not_shown() -> None:
    with pytest.raises(NonRetryableError) as caught:
        read_request({"url": "https://api.test", "authentication": {"type": "bearer", "token": 123456789}})

    assert "123456789" not in str(caught.value)


def test_credentials_in_an_invalid_url_are_not_echoed() -> None:
    with pytest.raises(NonRetryableError) as caught:
        read_request({"url": f"ftp://bob:{SECRET}@files.test/x?key={SECRET}"})

    assert SECRET not in str(caught.value)


# --- redaction ----------------------------------------------------------------------


def test_safe_url_drops_user_info_and_masks_every_query_value() -> None:
    shown = safe_url(f"https://bob:{SECRET}@api.test:8443/v1/items?q=berlin&appid={SECRET}&flag")

    assert shown == "https://api.test:8443/v1/items?q=***&appid=***&flag=***"


def test_the_redactor_replaces_longer_secrets_first() -> None:
    redactor = Redactor().with_secrets(["abc", "abcdef"])

    assert redactor.scrub("x abcdef y abc") == "x *** y ***"


def test_sensitive_header_values_become_secrets() -> None:
    request = read_request({"url": "https://api.test", "headers": {"X-Auth-Token": SECRET, "Accept": "text/plain"}})

    assert request.redactor.scrub(f"echo {SECRET} text/plain") == "echo *** text/plain"


# --- responses ----------------------------------------------------------------------


def test_response_headers_keep_the_first_value_and_collect_set_cookie() -> None:
    raw = [(b"Content-Type", b"a/b"), (b"content-type", b"c/d"), (b"Set-Cookie", b"x=1"), (b"set-cookie", b"y=2")]

    assert response_headers(raw) == {"Content-Type": "a/b", "Set-Cookie": ["x=1", "y=2"]}


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        (b'{"a": 1}', "application/json; charset=utf-8", {"a": 1}),
        (b'{"a": 1}', "application/problem+json", {"a": 1}),
        (b'{"a": 1}', "text/plain", '{"a": 1}'),
        (b"not json", "application/json", "not json"),
        (b"", "application/json", None),
        (b"   ", None, None),
        ("grüße".encode("latin-1"), "text/plain; charset=latin-1", "grüße"),
    ],
)
def test_bodies_are_json_only_when_the_content_type_says_so(
    content: bytes, content_type: str | None, expected: object
) -> None:
    charset = content_type.split("charset=")[1] if content_type and "charset=" in content_type else None

    assert decode_body(content, content_type, charset) == expected


def test_an_oversized_body_is_refused() -> None:
    with pytest.raises(ResponseTooLarge):
        read_limited([b"12345", b"67890"], limit=8)

    assert read_limited([b"1234", b"5678"], limit=8) == b"12345678"


def test_the_transport_seam_carries_the_whole_call() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.params["q"] == "x"
        assert json.loads(request.content) == {"n": 1}
        return httpx.Response(201, json={"id": "new"})

    connector = HttpConnector(transport=httpx.MockTransport(answer))

    result = connector(
        job(
            {"method": "POST", "url": "https://api.test/items", "queryParameters": {"q": "x"}, "body": {"n": 1}},
            {"resultExpression": "={newId: body.id, created: status = 201}"},
        )
    )

    assert result == {"newId": "new", "created": True}


def test_errors_thrown_by_the_error_expression_carry_code_message_and_variables() -> None:
    connector = HttpConnector(transport=httpx.MockTransport(lambda request: httpx.Response(404, json={"e": 1})))
    expression = "={code: 404, message: null, variables: {body: body}}"

    with pytest.raises(BpmnError) as caught:
        connector(job({"url": "https://api.test/x"}, {"errorExpression": expression}))

    assert (caught.value.code, caught.value.message) == ("404", "404")  # BpmnError falls back to the code
    assert caught.value.variables == {"body": {"e": 1}}


def test_an_error_expression_without_code_throws_nothing() -> None:
    connector = HttpConnector(transport=httpx.MockTransport(lambda request: httpx.Response(200, json={})))

    assert connector(job({"url": "https://api.test/x"}, {"errorExpression": '={message: "ignored"}'})) == {}


def test_calling_bpmn_error_explains_the_context_form() -> None:
    connector = HttpConnector(transport=httpx.MockTransport(lambda request: httpx.Response(404)))

    with pytest.raises(NonRetryableError, match=r"give a context \{code"):
        connector(job({"url": "https://api.test/x"}, {"errorExpression": '=bpmnError("404", "missing")'}))
