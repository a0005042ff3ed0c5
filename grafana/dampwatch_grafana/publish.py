"""Publish the datasources and the boards to a running Grafana through its HTTP API.

Idempotent: the folder is found by title or created, the datasource is created or updated by
its uid, and each board is saved with `overwrite`, so publishing twice leaves one of each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

TIMEOUT_S = 10.0
# The useful part of urllib3/niquests connection errors, which wrap the socket error twice.
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")
_UNRESOLVED = re.compile(r"NameResolution|Failed to resolve|Name or service not known|getaddrinfo")


class PublishError(Exception):
    """Publishing failed; the message is one line fit for a terminal."""


@dataclass
class PublishReport:
    """What publishing did."""

    folder_uid: str = ""
    folder_created: bool = False
    datasources: list[tuple[str, bool]] = field(default_factory=list)  # (uid, created)
    dashboards_created: list[str] = field(default_factory=list)
    dashboards_updated: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line per change, for the terminal."""
        lines = [
            f"folder {self.folder_uid}: {'created' if self.folder_created else 'found'}",
        ]
        lines += [
            f"datasource {uid}: {'created' if created else 'updated'}"
            for uid, created in self.datasources
        ]
        lines += [f"dashboard {uid}: created" for uid in self.dashboards_created]
        lines += [f"dashboard {uid}: updated" for uid in self.dashboards_updated]
        return "\n".join(lines)


def folder_uid_for(title: str) -> str:
    """A stable folder uid from its title (Grafana allows letters, digits, `-` and `_`)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", title.strip()).strip("-").lower()
    return slug[:40] or "dampwatch"


def check_url(url: str) -> None:
    """Refuse a URL that is not `http(s)://host[:port][/path]` before any request."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PublishError(f"invalid Grafana URL {url!r}: expected http(s)://host[:port]")


def _describe(error: BaseException, url: str) -> str:
    from grafana_client.client import (  # noqa: PLC0415
        GrafanaClientError,
        GrafanaException,
        GrafanaServerError,
        GrafanaTimeoutError,
    )

    if isinstance(error, GrafanaClientError) and error.status_code == 401:
        return f"Grafana at {url} rejected the token (401): {error.message}"
    if isinstance(error, GrafanaClientError) and error.status_code == 403:
        return (
            f"the token may not create folders, datasources or dashboards at {url} "
            f"(403, it needs the Admin role): {error.message}"
        )
    if isinstance(error, GrafanaTimeoutError):
        return f"Grafana at {url} did not answer within {TIMEOUT_S:g} s"
    if isinstance(error, GrafanaServerError | GrafanaClientError):
        return f"Grafana at {url} refused a request: {error.message}"
    if isinstance(error, GrafanaException):
        return f"cannot reach Grafana at {url}: {error.message}"
    text = str(error) or type(error).__name__
    if _UNRESOLVED.search(text):
        return f"cannot resolve the host of {url}: no such host name"
    errno_reason = _ERRNO.search(text)
    reason = errno_reason.group(1).strip() if errno_reason else text.splitlines()[0]
    return f"cannot reach Grafana at {url}: {reason}"


class GrafanaSession:
    """The few Grafana HTTP API calls publishing needs, with errors turned into PublishError."""

    def __init__(self, url: str, token: str) -> None:
        from grafana_client.api import GrafanaApi  # noqa: PLC0415

        check_url(url)
        self.url = url
        self._api: Any = GrafanaApi.from_url(url, credential=token, timeout=TIMEOUT_S)

    def _call(self, action: Callable[[], Any]) -> Any:
        import niquests  # noqa: PLC0415
        from grafana_client.client import GrafanaException  # noqa: PLC0415

        try:
            return action()
        except (GrafanaException, niquests.exceptions.RequestException, OSError) as error:
            raise PublishError(_describe(error, self.url)) from error

    def _status(self, action: Callable[[], Any]) -> tuple[int, Any]:
        """Run a call where 404 is an answer, not a failure."""
        from grafana_client.client import GrafanaClientError  # noqa: PLC0415

        try:
            return 200, self._call(action)
        except PublishError as error:
            cause = error.__cause__
            if isinstance(cause, GrafanaClientError) and cause.status_code == 404:
                return 404, None
            raise

    def check(self) -> None:
        """Reachable (`/api/health`) and the token accepted (`/api/org`)."""
        self._call(lambda: self._api.client.GET("/health"))
        self._call(self._api.organization.get_current_organization)

    def ensure_folder(self, title: str) -> tuple[str, bool]:
        """The uid of the folder with this title, created when missing."""
        folders = cast(list[dict[str, Any]], self._call(self._api.folder.get_all_folders))
        for folder in folders:
            if folder.get("title") == title:
                return str(folder["uid"]), False
        uid = folder_uid_for(title)
        created = self._call(lambda: self._api.folder.create_folder(title, uid=uid))
        return str(created["uid"]), True

    def put_datasource(self, payload: Mapping[str, object]) -> bool:
        """Create the datasource, or update it by uid; True when created."""
        uid = str(payload["uid"])
        status, existing = self._status(lambda: self._api.datasource.get_datasource_by_uid(uid))
        if status == 404:
            self._call(lambda: self._api.datasource.create_datasource(dict(payload)))
            return True
        body = dict(payload) | {"id": existing["id"]}
        self._call(lambda: self._api.datasource.update_datasource_by_uid(uid, body))
        return False

    def existing_dashboards(self, uids: list[str]) -> set[str]:
        """Which of these dashboard uids Grafana already holds (`/api/search`)."""
        found = self._call(
            lambda: self._api.search.search_dashboards(type_="dash-db", dashboard_uids=uids)
        )
        return {str(item["uid"]) for item in cast(list[dict[str, Any]], found)}

    def save_dashboard(self, dashboard: Mapping[str, object], folder_uid: str) -> None:
        """Save a board into the folder, replacing any earlier version with its uid."""
        body = {
            "dashboard": dict(dashboard) | {"id": None},
            "folderUid": folder_uid,
            "overwrite": True,
            "message": "Published by dampwatch grafana publish",
        }
        self._call(lambda: self._api.dashboard.update_dashboard(body))


def publish(
    session: GrafanaSession,
    *,
    folder: str,
    datasources: Sequence[Mapping[str, object]],
    dashboards: Mapping[str, Mapping[str, object]],
) -> PublishReport:
    """Publish the datasources and the boards; the same call again changes nothing more."""
    session.check()
    report = PublishReport()
    report.folder_uid, report.folder_created = session.ensure_folder(folder)
    for datasource in datasources:
        report.datasources.append((str(datasource["uid"]), session.put_datasource(datasource)))
    uids = [str(board["uid"]) for board in dashboards.values()]
    existing = session.existing_dashboards(uids)
    for board in dashboards.values():
        session.save_dashboard(board, report.folder_uid)
        uid = str(board["uid"])
        (report.dashboards_updated if uid in existing else report.dashboards_created).append(uid)
    return report
