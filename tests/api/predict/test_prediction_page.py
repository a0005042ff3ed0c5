"""`/predictions` as officers and tenants see it: an officer's own homes without sensors, with
reasons and the next sensors; nobody else's homes; a tenant refused; an honest empty page."""

from __future__ import annotations

import re

from dampwatch_api.pages.predictions_view import chance_words
from tests.api.conftest import Api
from tests.api.pages.support import page_client
from tests.api.predict.conftest import HOMES, MONITORED_EVERY, portfolio_of

ROW = re.compile(r'id="predicted-(stock-3-\d+)"')
NORTH_HOMES = {f"stock-3-{i:06d}" for i in range(HOMES) if portfolio_of(i) == "north"}


def test_an_officer_sees_their_homes_to_visit_and_where_to_place_sensors(papi: Api) -> None:
    html = page_client(papi, "officer-north").get("/predictions").text
    shown = ROW.findall(html)
    assert shown and set(shown) <= NORTH_HOMES
    monitored = {f"stock-3-{i:06d}" for i in range(0, HOMES, MONITORED_EVERY)}
    assert not set(shown) & monitored  # homes with sensors speak through their alerts
    assert "Homes to visit first: damp and mould" in html
    assert "energy band" in html and "Raised by" in html  # each home's reasons in words
    sensors = html.split('id="next-sensors"', 1)[1].split("</table>", 1)[0]
    assert sensors.count("<tr>") == 21  # the header and 20 homes
    assert "Test Street" in sensors and "sqrt(1 + sensors in its MSOA)" in html
    cold = page_client(papi, "officer-north").get("/predictions?kind=cold").text
    assert "Homes to visit first: a cold home" in cold
    assert set(ROW.findall(cold)) <= NORTH_HOMES


def test_a_tenant_is_refused_and_a_bad_kind_is_a_clear_error(papi: Api) -> None:
    tenant = page_client(papi, "tenant-north").get("/predictions")
    assert tenant.status_code == 403 and "stock-3-" not in tenant.text
    assert page_client(papi, "officer-north").get("/predictions?kind=heat").status_code == 422


def test_before_any_run_the_page_says_how_predictions_are_made(empty_api: Api) -> None:
    html = page_client(empty_api, "officer-north").get("/predictions").text
    assert 'id="no-predictions"' in html and "dampwatch predict" in html


def test_chances_read_as_percent_and_one_in_n() -> None:
    assert chance_words(0.38) == "38 % (about 1 in 3)"
    assert chance_words(0.05) == "5 % (about 1 in 20)"
    assert chance_words(0.97) == "97 %"
    assert chance_words(0.0) == "under 1 %"
