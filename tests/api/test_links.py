"""One-time links: a tenant's invitation and a password reset work once, expire, and open no
other account; staff make them through the policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dampwatch_api.onetime import OneTimeLink
from tests.api.conftest import HOME_NORTH, Api

NEW_PASSWORD = "a-brand-new-password"


def _token(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def test_invitation_makes_a_tenant_of_that_home_once(api: Api) -> None:
    made = api.call(
        "POST", f"/v1/homes/{HOME_NORTH}/invitations", "officer-north", json={"name": "Sam Jones"}
    )
    assert made.status_code == 201, made.text
    token = _token(made.json()["path"])
    assert made.json()["path"] == f"/invite/{token}"
    # Only staff of the home's portfolio may invite; the token is stored only as a hash.
    for intruder in ("officer-south", "tenant-north"):
        refused = api.call(
            "POST", f"/v1/homes/{HOME_NORTH}/invitations", intruder, json={"name": "X"}
        )
        assert refused.status_code in (403, 404)
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        assert token not in {row.token_hash for row in session.scalars(select(OneTimeLink))}
    seen = api.client.get(f"/v1/invitations/{token}").json()
    assert seen["name"] == "Sam Jones" and seen["address"] == "1 North Rd"
    body = {"username": "sam-jones", "password": NEW_PASSWORD, "consent": True}
    accepted = api.client.post(f"/v1/invitations/{token}/accept", json=body)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json() | {"created_at": None} == {
        "username": "sam-jones",
        "role": "tenant",
        "portfolios": [],
        "home_id": HOME_NORTH,
        "active": True,
        "created_at": None,
    }
    again = api.client.post(f"/v1/invitations/{token}/accept", json=body | {"username": "sam2"})
    assert again.status_code == 404 and "used" in again.json()["detail"]
    signed_in = api.client.post(
        "/v1/auth/token", data={"username": "sam-jones", "password": NEW_PASSWORD}
    )
    tenant = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    consent = api.client.get(f"/v1/homes/{HOME_NORTH}/consent", headers=tenant).json()
    recorded = [event["recorded_by"] for item in consent["tenants"] for event in item["history"]]
    assert recorded == ["sam-jones"]
    assert api.client.get("/v1/homes/south-1", headers=tenant).status_code == 404


def test_reset_link_sets_a_password_once_and_expires(api: Api) -> None:
    made = api.call("POST", "/v1/users/officer-north/password-reset", "admin")
    assert made.status_code == 201, made.text
    token = _token(made.json()["path"])
    assert (
        api.call("POST", "/v1/users/officer-north/password-reset", "officer-north").status_code
        == 403
    )
    short = api.client.post(f"/v1/password-resets/{token}", json={"password": "short"})
    assert short.status_code == 422
    done = api.client.post(f"/v1/password-resets/{token}", json={"password": NEW_PASSWORD})
    assert done.status_code == 204
    signed = api.client.post(
        "/v1/auth/token", data={"username": "officer-north", "password": NEW_PASSWORD}
    )
    assert signed.status_code == 200
    used = api.client.post(f"/v1/password-resets/{token}", json={"password": NEW_PASSWORD})
    assert used.status_code == 404
    late = _token(
        api.call("POST", "/v1/users/officer-south/password-reset", "admin").json()["path"]
    )
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        for link in session.scalars(select(OneTimeLink).where(OneTimeLink.used_at.is_(None))):
            link.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.commit()
    expired = api.client.post(f"/v1/password-resets/{late}", json={"password": NEW_PASSWORD})
    assert expired.status_code == 404 and "expired" in expired.json()["detail"]
    forged = api.client.post(f"/v1/password-resets/{'x' * 43}", json={"password": NEW_PASSWORD})
    assert forged.status_code == 404
