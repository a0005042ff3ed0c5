"""A loopback HTTP server answering the Grafana HTTP API endpoints publishing uses.

It keeps folders, datasources and dashboards in memory, answers with the status codes and
bodies Grafana's HTTP API reference documents (health, org, folders, search, datasources by uid,
dashboards/db), refuses any token but its own with 401, and records every request so tests can
check the payloads sent.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    """One request as received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class GrafanaState:
    """What the fake Grafana holds."""

    token: str
    forbidden: bool = False  # a valid token of a role that may not write
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasources: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class _Handler(BaseHTTPRequestHandler):
    server: FakeGrafana

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        state = self.server.state
        with self.server.lock:
            state.requests.append(
                Recorded(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    dict(self.headers.items()),
                    json.loads(raw) if raw else None,
                )
            )
            status, body = self.server.route(
                self.command,
                parts.path,
                parse_qs(parts.query),
                self.headers.get("Authorization", ""),
                json.loads(raw) if raw else None,
            )
        self._reply(status, body)

    # http.server dispatches to do_<METHOD>.
    do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815


class FakeGrafana(ThreadingHTTPServer):
    """The fake Grafana on 127.0.0.1 and a free port; use as a context manager."""

    daemon_threads = True

    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = GrafanaState(token)
        self.lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL of the fake Grafana."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeGrafana:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def calls(self) -> list[tuple[str, str]]:
        """(method, path) of every request, in order."""
        return [(request.method, request.path) for request in self.state.requests]

    def route(
        self, method: str, path: str, query: dict[str, list[str]], auth: str, body: Any
    ) -> tuple[int, Any]:
        """The documented answer to one request."""
        state = self.state
        if path == "/api/health" and method == "GET":
            return 200, {"commit": "fake", "database": "ok", "version": "11.6.0"}
        if auth != f"Bearer {state.token}":
            return 401, {"message": "Invalid API key", "traceID": ""}
        if state.forbidden and method != "GET":
            return 403, {"message": "You'll need additional permissions to perform this action."}
        if path == "/api/org" and method == "GET":
            return 200, {"id": 1, "name": "Main Org.", "address": {}}
        if path == "/api/folders":
            return self._folders(method, body)
        if path == "/api/search" and method == "GET":
            return 200, self._search(query)
        if path.startswith("/api/datasources"):
            return self._datasources(method, path, body)
        if path == "/api/dashboards/db" and method == "POST":
            return self._save_dashboard(body)
        return 404, {"message": "Not found"}

    def _folders(self, method: str, body: Any) -> tuple[int, Any]:
        state = self.state
        if method == "GET":
            return 200, [
                {"id": f["id"], "uid": f["uid"], "title": f["title"]}
                for f in state.folders.values()
            ]
        if method == "POST":
            if any(f["title"] == body["title"] for f in state.folders.values()):
                return 409, {"message": "a folder with the same name already exists"}
            uid = body.get("uid") or f"f{state.next_id}"
            folder = {
                "id": state.new_id(),
                "uid": uid,
                "title": body["title"],
                "url": f"/dashboards/f/{uid}/",
                "hasAcl": False,
                "canSave": True,
                "canEdit": True,
                "canAdmin": True,
                "version": 1,
            }
            state.folders[uid] = folder
            return 200, folder
        return 405, {"message": "Method not allowed"}

    def _search(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        uids = set(query.get("dashboardUIDs", []))
        return [
            {
                "id": entry["id"],
                "uid": uid,
                "title": entry["dashboard"]["title"],
                "type": "dash-db",
                "url": f"/d/{uid}/",
                "folderUid": entry["folderUid"],
                "tags": entry["dashboard"].get("tags", []),
            }
            for uid, entry in self.state.dashboards.items()
            if not uids or uid in uids
        ]

    def _datasources(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        state = self.state
        uid = path.removeprefix("/api/datasources/uid/") if "/uid/" in path else None
        if method == "GET" and uid is not None:
            if uid not in state.datasources:
                return 404, {"message": "Data source not found"}
            stored = dict(state.datasources[uid])
            secure = stored.pop("secureJsonData", {})
            return 200, stored | {"secureJsonFields": dict.fromkeys(secure, True)}
        if method == "POST" and uid is None:
            if any(d["name"] == body["name"] for d in state.datasources.values()):
                return 409, {"message": "data source with the same name already exists"}
            stored = body | {"id": state.new_id(), "orgId": 1, "version": 1}
            state.datasources[body["uid"]] = stored
            public = {k: v for k, v in stored.items() if k != "secureJsonData"}
            return 200, {
                "datasource": public,
                "id": stored["id"],
                "message": "Datasource added",
                "name": stored["name"],
            }
        if method == "PUT" and uid is not None:
            if uid not in state.datasources:
                return 404, {"message": "Data source not found"}
            previous = state.datasources[uid]
            stored = body | {"id": previous["id"], "orgId": 1, "version": previous["version"] + 1}
            state.datasources[uid] = stored
            public = {k: v for k, v in stored.items() if k != "secureJsonData"}
            return 200, {
                "datasource": public,
                "id": stored["id"],
                "message": "Datasource updated",
                "name": stored["name"],
            }
        return 405, {"message": "Method not allowed"}

    def _save_dashboard(self, body: Any) -> tuple[int, Any]:
        state = self.state
        dashboard = body["dashboard"]
        uid = dashboard["uid"]
        if body.get("folderUid") and body["folderUid"] not in state.folders:
            return 400, {"message": "folder not found"}
        existing = state.dashboards.get(uid)
        if existing is not None and not body.get("overwrite"):
            return 412, {
                "message": "The dashboard has been changed by someone else",
                "status": "version-mismatch",
            }
        version = existing["version"] + 1 if existing else 1
        dashboard_id = existing["id"] if existing else state.new_id()
        state.dashboards[uid] = {
            "id": dashboard_id,
            "dashboard": dashboard,
            "folderUid": body.get("folderUid", ""),
            "version": version,
        }
        slug = dashboard["title"].lower().replace(" ", "-")
        return 200, {
            "id": dashboard_id,
            "uid": uid,
            "url": f"/d/{uid}/{slug}",
            "status": "success",
            "version": version,
            "slug": slug,
        }
