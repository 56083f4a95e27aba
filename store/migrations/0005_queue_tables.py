"""The send worker's queue tables on PostgreSQL, created here instead of by every process.

huey's PostgresStorage runs CREATE TABLE IF NOT EXISTS at construction; on PostgreSQL that
is not safe when processes start together (a web worker and the send worker on a fresh
database: UniqueViolation on pg_type). So `migrate`, under its advisory lock, owns them and
gateway.queue builds the storage with create_tables=False. The statements are a frozen copy
of huey 3.5.4's PostgresStorage.ddl with table_prefix 'huey' (IF NOT EXISTS: databases whose
tables huey made itself are left as they are); tests/test_boot.py checks them against the
installed huey. On SQLite the queue lives in a file of its own (gateway.queue.make_huey),
where huey creates its tables inside BEGIN EXCLUSIVE, which SQLite serializes: nothing here.
"""

from peewee import PostgresqlDatabase

DDL = [
    "create table if not exists huey_kv ("
    "queue text not null, key text not null, value bytea not null, "
    "primary key(queue, key))",

    "create table if not exists huey_schedule ("
    "id bigserial primary key, queue text not null, "
    "data bytea not null, timestamp double precision not null)",

    "create index if not exists huey_schedule_queue_timestamp "
    "on huey_schedule (queue, timestamp)",

    "create table if not exists huey_task ("
    "id bigserial primary key, queue text not null, "
    "data bytea not null, "
    "priority double precision not null default 0.0)",

    "create index if not exists huey_task_queue_priority_id "
    "on huey_task (queue, priority desc, id)",

    "create table if not exists huey_counter ("
    "queue text not null, key text not null, "
    "value bigint not null default 0, primary key(queue, key))",
]


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    for sql in DDL:
        db.execute_sql(sql)


def down(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    for table in ("huey_counter", "huey_task", "huey_schedule", "huey_kv"):
        db.execute_sql(f"drop table if exists {table}")
