"""Settings of the pages: whom tenants contact about their home."""

from __future__ import annotations

from dampwatch.settings import BaseAppSettings


class PageSettings(BaseAppSettings):
    """`DAMPWATCH_CONTACT_*`: shown on every tenant page."""

    contact_name: str = "Your housing team"
    contact_phone: str | None = None
    contact_email: str | None = None
    contact_hours: str | None = None
