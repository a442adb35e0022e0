"""Test helpers shared by every service: databases per test run (migrated), ASGI clients, tokens and buses.

Enable them with ``pytest_plugins = ["smile_common.testing.plugin"]`` in a ``conftest.py``.

Two stacks are tested:

* ``embedded``: SQLite files and the in-process bus (always);
* ``infra``: PostgreSQL and RabbitMQ, when ``SMILE_TEST_DATABASE_URL`` and ``SMILE_TEST_AMQP_URL`` point at
  servers. With ``SMILE_REQUIRE_INFRA=1`` a missing server fails the run instead of skipping.
"""

from smile_common.testing.harness import ServiceHarness, Stack
from smile_common.testing.infra import (
    amqp_test_url,
    create_test_database,
    drop_test_database,
    postgres_test_url,
    require_infra,
    stacks,
)

__all__ = [
    "ServiceHarness",
    "Stack",
    "amqp_test_url",
    "create_test_database",
    "drop_test_database",
    "postgres_test_url",
    "require_infra",
    "stacks",
]
