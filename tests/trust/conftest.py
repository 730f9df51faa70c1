"""Fixtures of the trust tests: the notices app's fixtures (an issued 督办函, contacts), and a
private PostgreSQL cluster holding the demo ledger as a template database, cloned for each fault
test that needs a database of its own."""

from __future__ import annotations

import itertools

import psycopg
import pytest

# The notices' fixtures, shared.
from tests.notices.conftest import contacts, houma, supervision_letter  # noqa: F401
from tests.trust.private_services import PrivatePostgres, manage, product_env

TEMPLATE = "yihong_demo_template"
_clones = itertools.count(1)


@pytest.fixture(scope="session")
def demo_cluster(tmp_path_factory):
    """A private cluster with the migrated demo ledger in a template database (loaded once)."""
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        cluster.execute(f'CREATE DATABASE "{TEMPLATE}"')
        env = product_env(
            database_url=cluster.url(TEMPLATE), var_dir=tmp_path_factory.mktemp("demo-template")
        )
        manage(env, "migrate", "-v0", "--skip-checks")
        manage(env, "load_demo", "--skip-checks")
        yield cluster
    finally:
        cluster.destroy()


def demo_database(cluster: PrivatePostgres) -> str:
    """A fresh copy of the demo ledger on the private cluster; its URL."""
    name = f"yihong_trust_{next(_clones)}"
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return cluster.url(name)
