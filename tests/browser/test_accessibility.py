"""axe-core in Chromium on every page, on a desk and a phone: no serious or critical violation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.axe import blocking_violations
from tests.browser.conftest import Live
from tests.browser.steps import VIEWPORTS, shot, sign_in

pytestmark = [pytest.mark.servers, pytest.mark.slow]
STAFF_PAGES = (
    "/board",
    "/homes/victim-north-1",
    "/admin/homes",
    "/admin/homes/victim-north-1",
    "/admin/users",
    "/homes/no-such-home",
)


def _check(page: Any, path: str, artifacts: Path, name: str) -> list[str]:
    problems = [f"{path}: {line}" for line in blocking_violations(page)]
    shot(page, artifacts, f"axe-{name}")
    return problems


def test_no_serious_violations_on_any_page(browser: Any, live: Live, artifacts: Path) -> None:
    problems: list[str] = []
    for viewport in VIEWPORTS:
        problems += _scan_every_page(browser, live, artifacts, viewport)
    assert problems == []


def _scan_every_page(browser: Any, live: Live, artifacts: Path, viewport: str) -> list[str]:
    problems: list[str] = []
    anonymous = browser.new_page(viewport=VIEWPORTS[viewport])
    anonymous.goto(f"{live.base_url}/login")
    problems += _check(anonymous, "/login", artifacts, f"login-{viewport}")

    admin = browser.new_page(viewport=VIEWPORTS[viewport])
    admin.goto(f"{live.base_url}/login")
    admin.get_by_label("Username").fill("admin")
    admin.get_by_label("Password").fill("admin-test-password")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Sign in").click()
    for path in STAFF_PAGES:
        admin.goto(f"{live.base_url}{path}")
        slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
        problems += _check(admin, path, artifacts, f"{slug}-{viewport}")
    # A one-time link's pages, as their holder sees them.
    admin.goto(f"{live.base_url}/admin/homes/victim-north-1")
    admin.get_by_label("Tenant's name").fill("Sam Jones")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Make the invitation link").click()
    problems += _check(admin, "invitation made", artifacts, f"link-made-{viewport}")
    invitation = admin.get_by_label("Link").input_value()
    anonymous.goto(invitation)
    problems += _check(anonymous, "/invite/…", artifacts, f"invite-{viewport}")

    tenant = browser.new_page(viewport=VIEWPORTS[viewport])
    sign_in(tenant, live.base_url, "tenant-north")
    problems += _check(tenant, "/homes/victim-north-1 (tenant)", artifacts, f"tenant-{viewport}")
    for page in (anonymous, admin, tenant):
        page.close()
    return problems
