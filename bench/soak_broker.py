"""The deployment's broker configuration (deploy/mosquitto/) on loopback ports, for tests and soak.

The file is the one operators install, with only its paths and ports moved into a scratch
directory: the ACL, the queue limits, the packet size limit and persistence are exactly what a
deployment runs. Passwords are hashed by Mosquitto's own `mosquitto_passwd`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from dampwatch_stack.mosquitto_build import MosquittoBuild
from dampwatch_stack.servers import MosquittoServer, find_binary, free_port

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_DIR = ROOT / "deploy" / "mosquitto"
DEPLOY_CONF = DEPLOY_DIR / "mosquitto.conf"
DEPLOY_ACL = DEPLOY_DIR / "acl"
MAKE_CERTS = DEPLOY_DIR / "make-dev-certs.sh"
INGEST_USER = "dampwatch-ingest"
API_USER = "dampwatch-api"
# Commented lines that replace `persistence true` on Mosquitto 2.1 (persist-sqlite).
MOSQUITTO_21_PREFIX = "#2.1 "
# Lines of the TLS listener block, dropped when the broker runs without certificates.
_TLS_KEYS = ("certfile", "keyfile", "cafile", "tls_version")
_PLUGIN_KEYS = ("plugin", "global_plugin")
LEAVES = ("reading", "status")
# Users of the services' listener; everyone else is a device or gateway of the device listener.
SERVICE_USERS = frozenset({INGEST_USER, API_USER})
DEVICE_PASSWORDS = "passwd"
SERVICE_PASSWORDS = "passwd-services"


class BrokerSetupError(RuntimeError):
    """A tool the broker configuration needs is missing or failed."""


def write_password_file(path: Path, passwords: Mapping[str, str]) -> Path:
    """A Mosquitto password file holding every user, hashed in one `mosquitto_passwd -U` run."""
    tool = find_binary("mosquitto_passwd")
    if tool is None:
        raise BrokerSetupError("mosquitto_passwd is missing (apt-get install -y mosquitto)")
    for user, password in passwords.items():
        if ":" in user or "\n" in user + password:
            raise BrokerSetupError(f"user {user!r} cannot go into a password file")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{user}:{pw}\n" for user, pw in passwords.items()), encoding="utf-8")
    path.chmod(0o600)
    if not passwords:
        return path  # an empty file is a listener nobody logs in to; mosquitto_passwd refuses it
    done = subprocess.run([tool, "-U", str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BrokerSetupError(f"mosquitto_passwd -U failed: {done.stderr.strip()}")
    return path


def make_certificates(directory: Path, host: str = "localhost") -> Path:
    """A private CA and a server certificate from deploy/mosquitto/make-dev-certs.sh."""
    if find_binary("openssl") is None:
        raise BrokerSetupError("openssl is missing (apt-get install -y openssl)")
    done = subprocess.run(
        ["sh", str(MAKE_CERTS), host, str(directory)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BrokerSetupError(f"make-dev-certs.sh failed: {done.stderr.strip()}")
    return directory


def deployed_config(
    *,
    port: int,
    data_dir: Path,
    password_files: Mapping[str, Path],
    acl_file: Path,
    tls_port: int | None = None,
    certs_dir: Path | None = None,
    source: Path = DEPLOY_CONF,
    persist_plugin: Path | None = None,
) -> str:
    """deploy/mosquitto/mosquitto.conf with its listeners on loopback ports and paths moved.

    `password_files` maps each password file's name in the source (`passwd`,
    `passwd-services`) to the file to use. Without tls_port the device listener's block (up to
    its first blank line) is left out. With persist_plugin (Mosquitto 2.1's persist-sqlite),
    `persistence true` becomes the file's own `#2.1` lines, as its comment tells a 2.1 operator.
    """
    lines: list[str] = []
    block = ""
    for original in source.read_text(encoding="utf-8").splitlines():
        words = original.split()
        key = words[0] if words and not original.startswith("#") else ""
        if not original.strip():
            block = ""
        if key == "listener":
            block = "device" if len(words) == 2 else "services"  # `listener 8883`: TLS
            if block == "services":
                lines.append(f"listener {port} 127.0.0.1")
            elif tls_port is not None:
                lines.append(f"listener {tls_port} 127.0.0.1")
            continue
        if block == "device" and tls_port is None:
            continue
        lines.append(_moved(original, key, words, data_dir, password_files, acl_file, certs_dir))
        if key == "persistence" and persist_plugin is not None:
            lines[-1:] = _persist_sqlite_lines(source, persist_plugin)
    # Line-buffered log with the `running` line that says every listener is bound.
    lines += [f"log_dest file {data_dir / 'mosquitto.log'}", "log_type information"]
    lines += ["connection_messages true"]
    if os.geteuid() == 0:
        lines.append("user root")  # as root Mosquitto would switch to a user without access
    return "\n".join(lines) + "\n"


def _moved(
    original: str,
    key: str,
    words: list[str],
    data_dir: Path,
    password_files: Mapping[str, Path],
    acl_file: Path,
    certs_dir: Path | None,
) -> str:
    """One configuration line with its path replaced by this instance's."""
    if key in _TLS_KEYS and key != "tls_version" and certs_dir is not None:
        return f"{key} {certs_dir / Path(words[1]).name}"
    if key == "password_file":
        return f"password_file {password_files[Path(words[1]).name]}"
    replaced = {
        "acl_file": f"acl_file {acl_file}",
        "persistence_location": f"persistence_location {data_dir}/",
    }
    return replaced.get(key, original)


def client_acl(username: str, topics: list[str]) -> str:
    """The ACL lines letting one client write exactly these topics (deploy/mosquitto/acl)."""
    return "\n".join([f"user {username}", *(f"topic write {topic}" for topic in topics)]) + "\n"


def home_wide_acl(homes: list[str], prefix: str = "dampwatch/v1") -> str:
    """ACL lines letting the user named after each home publish for any device of it.

    What a load test's one connection per home (or its gateway) needs; a deployment lists a
    client's topics one by one (deploy/mosquitto/acl).
    """
    return "".join(
        client_acl(home, [f"{prefix}/{home}/+/{leaf}" for leaf in LEAVES]) for home in homes
    )


def _persist_sqlite_lines(source: Path, persist_plugin: Path) -> list[str]:
    """The file's `#2.1` lines uncommented, with the plugin's path replaced by persist_plugin."""
    lines = []
    for original in source.read_text(encoding="utf-8").splitlines():
        if original.startswith(MOSQUITTO_21_PREFIX):
            line = original.removeprefix(MOSQUITTO_21_PREFIX)
            key, _, _ = line.partition(" ")
            lines.append(f"{key} {persist_plugin}" if key in _PLUGIN_KEYS else line)
    if not any(line.partition(" ")[0] in _PLUGIN_KEYS for line in lines):
        raise BrokerSetupError(f"{source} has no `{MOSQUITTO_21_PREFIX}global_plugin` line")
    return lines


class DeployedBroker(MosquittoServer):
    """Mosquitto running deploy/mosquitto/mosquitto.conf and its ACL on loopback ports.

    Debian's `mosquitto` by default; a MosquittoBuild (2.1) runs with its persist-sqlite plugin.
    Devices and gateways log in on the TLS listener (tls=True), services on the plain one. With
    local_devices the plain listener takes device credentials too, for load tests that publish
    without TLS: never the deployment's way. acl_extra is appended to the ACL, as an operator adds
    a gateway's lines.
    """

    def __init__(
        self,
        data_dir: Path,
        passwords: Mapping[str, str],
        *,
        port: int | None = None,
        tls: bool = False,
        acl_source: Path = DEPLOY_ACL,
        acl_extra: str = "",
        local_devices: bool = False,
        build: MosquittoBuild | None = None,
    ) -> None:
        binary = str(build.binary) if build is not None else "mosquitto"
        plugin = build.persist_sqlite if build is not None else None
        super().__init__(data_dir, port, binary=binary, persist_plugin=plugin)
        self.passwords = dict(passwords)
        self.tls_port = free_port() if tls else None
        self.certs_dir = self.data_dir / "certs" if tls else None
        self.password_files = {
            DEVICE_PASSWORDS: self.data_dir / DEVICE_PASSWORDS,
            SERVICE_PASSWORDS: self.data_dir / SERVICE_PASSWORDS,
        }
        self.password_path = self.password_files[DEVICE_PASSWORDS]
        self.acl_path = self.data_dir / "acl"
        self.acl_source = acl_source
        self.acl_extra = acl_extra
        self.local_devices = local_devices or not tls

    @property
    def ca_path(self) -> Path:
        """The CA certificate clients verify the TLS listener with."""
        if self.certs_dir is None:
            raise BrokerSetupError("this broker has no TLS listener")
        return self.certs_dir / "ca.crt"

    def prepare(self) -> None:
        """Write the password files, the ACL and (once) the certificates."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        services = {u: p for u, p in self.passwords.items() if u in SERVICE_USERS}
        devices = {u: p for u, p in self.passwords.items() if u not in SERVICE_USERS}
        write_password_file(self.password_files[DEVICE_PASSWORDS], devices)
        local = services | devices if self.local_devices else services
        write_password_file(self.password_files[SERVICE_PASSWORDS], local)
        acl = self.acl_source.read_text(encoding="utf-8") + "\n" + self.acl_extra
        self.acl_path.write_text(acl, encoding="utf-8")
        if self.certs_dir is not None and not (self.certs_dir / "server.crt").exists():
            make_certificates(self.certs_dir)

    def config_text(self) -> str:
        """The deployment's configuration with this instance's ports and paths."""
        return deployed_config(
            port=self.port,
            data_dir=self.data_dir,
            password_files=self.password_files,
            acl_file=self.acl_path,
            tls_port=self.tls_port,
            certs_dir=self.certs_dir,
            persist_plugin=self.persist_plugin,
        )

    def start(self, timeout: float = 10.0) -> None:
        """Prepare the files on first start, then start as any managed Mosquitto."""
        if not self.password_path.exists():
            self.prepare()
        super().start(timeout)

    def log_text(self) -> str:
        """Everything the broker logged (across restarts)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
