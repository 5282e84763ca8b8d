"""Alembic environment: the connection is passed in by tidewatch.store.db.migrate()."""
from alembic import context

from tidewatch.store.models import Base
import tidewatch.store.refer_models  # noqa: F401  (referral tables on the same Base)
import tidewatch.store.console_models  # noqa: F401  (the console's tables, same Base)
import tidewatch.store.partner_models  # noqa: F401  (partner keys and portal accounts, same Base)

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            _migrate(conn)
        return
    _migrate(connection)


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run()
