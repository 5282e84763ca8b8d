"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable — required under CI)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "data" / "dev_labelled.jsonl"
PG_ADMIN = os.environ.get("TIDEWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_database():
    """A throw-away PostgreSQL database for this test process, dropped at the end."""
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as c:
            c.execute(text("select 1"))
    except Exception as e:  # noqa: BLE001
        if os.environ.get("TIDEWATCH_REQUIRE_POSTGRES") or os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required here but unreachable: {e}")
        pytest.skip(f"PostgreSQL not reachable: {e}")
    name = f"tidewatch_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    from sqlalchemy import pool  # noqa: F401

    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_pg(url: str) -> None:
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database URL: a SQLite file, or the PostgreSQL test database reset."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tidewatch.db'}"
    url = request.getfixturevalue("pg_database")
    _reset_pg(url)
    return url


@pytest.fixture
def store(db_url):
    from tidewatch.store.repo import Store

    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture(scope="session")
def seed_rows() -> list[dict]:
    import json

    if not SEED.exists():
        pytest.skip("seed data not present")
    return [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
