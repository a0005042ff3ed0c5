"""Tenants opt out of (and back into) statistics; the choice is kept and honoured at once."""

from __future__ import annotations

from dampwatch_api.registry.statistics import counted_for_statistics
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api


def _counted(api: Api) -> set[str]:
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        return counted_for_statistics(session)


def test_a_tenant_opts_out_of_statistics_and_back_in(api: Api) -> None:
    path = f"/v1/homes/{HOME_NORTH}/consent"
    assert _counted(api) == {HOME_NORTH, HOME_SOUTH}  # counted unless a tenant opts out
    out = api.call("PUT", path, "tenant-north", json={"granted": False, "purpose": "statistics"})
    assert out.status_code == 200, out.text
    answer = out.json()
    assert (answer["statistics"], answer["consent"]) == (False, True)  # readings stay on
    assert answer["tenants"][0]["history"][-1]["purpose"] == "statistics"
    assert _counted(api) == {HOME_SOUTH}
    assert api.call("GET", path, "officer-north").json()["statistics"] is False
    back = api.call("PUT", path, "tenant-north", json={"granted": True, "purpose": "statistics"})
    assert back.json()["statistics"] is True
    assert _counted(api) == {HOME_NORTH, HOME_SOUTH}


def test_no_one_opts_out_for_another_home(api: Api) -> None:
    body = {"granted": False, "purpose": "statistics"}
    path = f"/v1/homes/{HOME_NORTH}/consent"
    assert api.call("PUT", path, "tenant-south", json=body).status_code == 404
    assert api.call("PUT", path, "officer-south", json=body).status_code == 404
    assert (
        api.call("PUT", path, "tenant-north", json=body | {"purpose": "marketing"}).status_code
        == 422
    )
    assert _counted(api) == {HOME_NORTH, HOME_SOUTH}
