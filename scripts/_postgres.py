"""Shared by scripts/backup and scripts/restore: DATABASE_URL to PostgreSQL's client tools.

Standard library only, so the scripts run before the virtual environment exists. The password
travels in PGPASSWORD, never on a command line where `ps` would show it.
"""

import os
import shutil
import subprocess
from urllib.parse import unquote, urlsplit

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}


class Target:
    """One PostgreSQL database: a libpq URI without the password, and the environment for it."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in POSTGRES_SCHEMES or not parts.path.strip("/"):
            raise SystemExit(
                f"{redact(url)} is not a PostgreSQL database URL "
                "(postgres://user:password@host:5432/name)."
            )
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        at = f"{user}@" if user else ""
        query = f"?{parts.query}" if parts.query else ""
        self.uri = f"postgresql://{at}{hostport}{parts.path}{query}"
        self.name = unquote(parts.path.lstrip("/"))
        self.env = {**os.environ}
        if password:
            self.env["PGPASSWORD"] = unquote(password)

    def run(self, tool: str, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
        """Run a client tool against this database; its errors go to our stderr."""
        return subprocess.run(  # noqa: S603
            [require_tool(tool), *args],
            env=self.env,
            check=False,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )

    def query(self, sql: str) -> list[list[str]]:
        """Rows of a query through psql, or exit with psql's message."""
        options = ["--no-psqlrc", "--quiet", "--tuples-only", "--no-align"]
        options += ["--field-separator=\t", "--set=ON_ERROR_STOP=1"]
        result = self.run(
            "psql", *options, f"--command={sql}", f"--dbname={self.uri}", capture=True
        )
        if result.returncode != 0:
            raise SystemExit(result.returncode)
        return [line.split("\t") for line in result.stdout.splitlines() if line]


def database_url_from_environment() -> str:
    """DATABASE_URL, refusing the SQLite default with what to do instead."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url or url.startswith("sqlite"):
        raise SystemExit(
            "DATABASE_URL is not set or points to SQLite: these scripts back up and restore "
            "PostgreSQL. SQLite is for trying the app out; to keep a copy, stop the app and "
            "copy db.sqlite3."
        )
    return url


def redact(url: str) -> str:
    """The URL as it may be printed: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{userinfo.partition(':')[0]}:***@{hostport}").geturl()


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(
            f"{name} not found: install PostgreSQL's client tools (postgresql-client), "
            "the server's major version or newer."
        )
    return path
