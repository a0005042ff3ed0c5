"""Every error is a JSON body with a clear message and the right status; nothing leaks internals."""

from __future__ import annotations

import pytest

from tests.api.conftest import HOME_NORTH, Api

SECRET_DETAIL = "connection string postgresql://api:hunter2@db"


def boom(*_args: object, **_kwargs: object) -> None:
    """Stands for a bug deep inside: its message names things callers must never see."""
    raise RuntimeError(SECRET_DETAIL)


def assert_clean_json_error(response: object, status: int) -> dict[str, object]:
    """The response is `{"detail": <str or field errors>}` with `status` and no internals."""
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"detail"} and body["detail"]
    text = response.text  # type: ignore[attr-defined]
    for leak in ("Traceback", 'File "', "hunter2", "sqlalchemy", "site-packages"):
        assert leak not in text
    return body  # type: ignore[no-any-return]


DEVICE = {"device_id": "sensor-1", "device_type": "th-sensor"}


@pytest.mark.parametrize(
    ("target", "method", "path", "who", "body"),
    [
        # an async route whose page is built in a worker thread
        ("dampwatch_api.routes.board.BoardQuery.render", "GET", "/v1/board", "officer-north", None),
        # the authentication dependency itself
        ("dampwatch_api.deps._principal_of_user", "GET", "/v1/users/me", "admin", None),
        # a plain route with a database session
        ("dampwatch_api.routes.users.user_out", "GET", "/v1/users/me", "tenant-north", None),
        # a change whose registry message fails after the commit
        (
            "dampwatch_api.registry.publish.RegistryPublisher.publish_home",
            "POST",
            f"/v1/homes/{HOME_NORTH}/devices",
            "officer-north",
            DEVICE,
        ),
    ],
)
def test_internal_errors_answer_500_json_without_a_trace(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    method: str,
    path: str,
    who: str,
    body: dict[str, str] | None,
) -> None:
    monkeypatch.setattr(target, boom)
    answer = assert_clean_json_error(api.call(method, path, who, json=body), 500)
    assert answer == {"detail": "internal error"}


def test_client_errors_answer_json_with_their_status(api: Api) -> None:
    assert_clean_json_error(api.call("GET", "/v1/nowhere", "admin"), 404)
    assert_clean_json_error(api.call("PUT", "/v1/board", "admin"), 405)
    assert_clean_json_error(api.call("GET", "/v1/board"), 401)
    assert_clean_json_error(api.call("GET", "/v1/users", "officer-north"), 403)
    assert_clean_json_error(api.call("GET", "/v1/homes/south-1", "officer-north"), 404)
    assert_clean_json_error(api.call("GET", "/v1/board?limit=0", "admin"), 422)
    malformed = api.client.post(
        f"/v1/homes/{HOME_NORTH}/rooms",
        content=b'{"room_id": ',
        headers={"Content-Type": "application/json"} | api.headers("admin"),
    )
    assert_clean_json_error(malformed, 422)
    duplicate = api.call(
        "POST",
        "/v1/homes",
        "admin",
        json={"home_id": HOME_NORTH, "address": "1 North Rd", "postcode": "BS1 1AA"}
        | {"portfolio": "north"},
    )
    assert_clean_json_error(duplicate, 409)


def test_database_down_answers_503_json(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415

    def unavailable(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception(SECRET_DETAIL))

    monkeypatch.setattr("dampwatch_api.deps._principal_of_user", unavailable)
    response = api.call("GET", "/v1/users/me", "admin")
    assert_clean_json_error(response, 503)
    assert response.headers["Retry-After"] == "5"
