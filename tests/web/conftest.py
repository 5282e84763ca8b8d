"""Fixtures for the console: a repository with a settable clock, seeded data, databases.

Databases: `store` / `db_url` from tests/conftest.py (SQLite always, PostgreSQL when reachable);
`console_store` is the same but faster (a migrated SQLite template copied per test; one
PostgreSQL database per module, emptied before each test); `module_db_url` once per module for
the bigger route × role tables. Helpers tests import live in console_helpers.py."""
from __future__ import annotations

import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

from console_factory import seed
from console_helpers import Clock, make_repo
from tidewatch.store.console_repo import ConsoleRepo
from tidewatch.store.repo import Store


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(timezone.utc))


@pytest.fixture
def repo(console_store, clock) -> ConsoleRepo:
    return make_repo(console_store, clock)


@pytest.fixture
def fresh_repo(store, clock) -> ConsoleRepo:
    """On a database of its own (for tests that drop the audit triggers, as an attacker would)."""
    return make_repo(store, clock)


@pytest.fixture
def seeded(repo, tmp_path) -> dict[str, int]:
    return seed(repo, tmp_path / "data")


# -- databases made faster: a migrated SQLite template copied per test; one PostgreSQL database
# -- per module, migrated once and emptied (TRUNCATE) before each test.
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "tidewatch.db"
    s = Store.open(f"sqlite:///{path}")
    with s.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path


@pytest.fixture(scope="module")
def module_pg_url(request) -> str:
    """A PostgreSQL database of this module's own (other modules reset the shared one)."""
    base = make_url(request.getfixturevalue("pg_database"))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"tw_console_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def migrated_pg(module_pg_url) -> Store:
    s = Store.open(module_pg_url)
    yield s
    s.close()


def empty_pg(store: Store) -> None:
    """DELETE (cheaper than TRUNCATE on small tables) with triggers and FK checks off for this session."""
    tables = [t for t in inspect(store.engine).get_table_names() if t != "alembic_version"]
    with store.engine.begin() as c:
        c.execute(text("SET LOCAL session_replication_role = replica"))
        for t in tables:
            c.execute(text(f'DELETE FROM "{t}"'))
        c.execute(text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, :g)"), {"g": "0" * 64})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def console_store(request, tmp_path, sqlite_template) -> Store:
    """A migrated, empty database: SQLite (a copy of the template) or PostgreSQL (emptied)."""
    if request.param == "sqlite":
        path = tmp_path / "tidewatch.db"
        shutil.copyfile(sqlite_template, path)
        s = Store.open(f"sqlite:///{path}", migrate_schema=False)
        yield s
        s.close()
        return
    s = request.getfixturevalue("migrated_pg")
    empty_pg(s)
    yield s


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_db_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'tidewatch.db'}"
    return request.getfixturevalue("module_pg_url")
