"""Databases beside the test database, for tests that run the real server and client tools."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg2
from django.conf import settings
from django.db import connection


def is_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def postgres_url(name: str) -> str:
    """A DATABASE_URL for database `name` on the test database's server."""
    params = settings.DATABASES["default"]
    user = quote(params.get("USER") or "", safe="")
    password = quote(params.get("PASSWORD") or "", safe="")
    userinfo = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = params.get("HOST") or "localhost"
    port = params.get("PORT") or 5432
    return f"postgres://{userinfo}{host}:{port}/{quote(name, safe='')}"


def current_database_url() -> str:
    """The URL of the database the tests write to (test_<name>)."""
    return postgres_url(connection.settings_dict["NAME"])


def _admin_connection() -> "psycopg2.extensions.connection":
    params = settings.DATABASES["default"]
    admin = psycopg2.connect(
        dbname="postgres",
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
    )
    admin.autocommit = True
    return admin


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """A new, empty PostgreSQL database as a DATABASE_URL, dropped afterwards."""
    name = f"production_{label}_{secrets.token_hex(4)}"
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield postgres_url(name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
