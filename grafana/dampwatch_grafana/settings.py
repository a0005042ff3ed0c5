"""Settings of `dampwatch grafana publish`: InfluxDB, and the SQL database Grafana reads."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from dampwatch.settings import LOOPBACK, InfluxSettings

SslMode = Literal["disable", "require", "verify-ca", "verify-full"]


class GrafanaSettings(InfluxSettings):
    """Where Grafana's server reaches InfluxDB and PostgreSQL, as the read-only reader role."""

    grafana_db_host: str = LOOPBACK
    grafana_db_port: int = Field(default=5432, ge=1, le=65535)
    grafana_db_database: str = "dampwatch"
    grafana_db_user: str = "dampwatch_grafana"
    grafana_db_password: SecretStr | None = None
    grafana_db_password_file: Path | None = None
    grafana_db_sslmode: SslMode = "disable"

    def grafana_db_secret(self) -> str:
        """The reader's password: the setting, else the file's first line, else empty."""
        if self.grafana_db_password is not None:
            return self.grafana_db_password.get_secret_value()
        if self.grafana_db_password_file is not None:
            try:
                text = self.grafana_db_password_file.read_text(encoding="utf-8")
            except OSError as error:
                message = f"DAMPWATCH_GRAFANA_DB_PASSWORD_FILE: cannot read it ({error.strerror})"
                raise ValueError(message) from error
            return text.splitlines()[0].strip() if text.strip() else ""
        return ""

    def production_problems(self) -> list[str]:
        """The reader role needs a password off the development machine."""
        problems = super().production_problems()
        if self.grafana_db_password is None and self.grafana_db_password_file is None:
            problems.append(
                "PostgreSQL for Grafana needs DAMPWATCH_GRAFANA_DB_PASSWORD or _PASSWORD_FILE"
            )
        return problems
