"""The database itself refuses to change or delete audit events, except through the purge.

On PostgreSQL a statement-level trigger refuses every UPDATE and DELETE on the audit table
unless the DELETE is the one statement inside ``purge_audit_events(cutoff, actor, details)``,
which it recognises from the call stack (``PG_CONTEXT``): no session setting opens it, so
ORM updates, deletes and raw SQL all fail. The function keeps every event younger than 184
days and adds an event saying who purged, how many and up to when. TRUNCATE is left to the
table's owner (``flush`` and test teardown use it), as are DROP TRIGGER and DROP TABLE.

SQLite has no functions: row triggers refuse updates, and deletes unless a row in
``shuanglian_auditevent_purge_guard`` opens them, which only the purge (events older than
184 days) and ``flush`` (everything) do, inside their own transaction.

Written out here rather than imported, so the migration keeps meaning what it meant when it ran.
Altering the audit table on SQLite rebuilds it without its triggers: a later migration that
does so must create them again.
"""

from django.db import migrations

MESSAGE = (
    "audit events are never changed or deleted; "
    "old events are removed only by purge_audit_events"
)

POSTGRESQL_CREATE = [
    f"""
CREATE FUNCTION shuanglian_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    stack text;
    frames text[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        GET DIAGNOSTICS stack = PG_CONTEXT;
        frames := string_to_array(stack, E'\\n');
        -- This trigger, the purge's DELETE, and the purge function called directly.
        IF array_length(frames, 1) = 3
           AND frames[2] = 'SQL statement "DELETE FROM shuanglian_auditevent WHERE at < cutoff"'
           AND frames[3] LIKE
               'PL/pgSQL function purge_audit_events(timestamp with time zone,text,jsonb) line % at SQL statement'
        THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$
""",
    """
CREATE TRIGGER shuanglian_auditevent_append_only
BEFORE UPDATE OR DELETE ON shuanglian_auditevent
FOR EACH STATEMENT EXECUTE FUNCTION shuanglian_auditevent_append_only()
""",
    """
CREATE FUNCTION purge_audit_events(cutoff timestamptz, actor text, details jsonb)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    removed integer;
BEGIN
    IF cutoff IS NULL OR cutoff > clock_timestamp() - interval '184 days' THEN
        RAISE EXCEPTION 'audit events are kept for at least 184 days'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM shuanglian_auditevent WHERE at < cutoff;
    GET DIAGNOSTICS removed = ROW_COUNT;
    INSERT INTO shuanglian_auditevent
        (at, user_id, username, ip, action, object_type, object_id, object_repr, result, details)
    VALUES (
        clock_timestamp(), NULL, coalesce(actor, ''), NULL, 'purge', '', '', '', 'success',
        coalesce(details, '{}'::jsonb) || jsonb_build_object('rows', removed, 'cutoff', cutoff)
    );
    RETURN removed;
END;
$$
""",
]

POSTGRESQL_DROP = [
    "DROP FUNCTION purge_audit_events(timestamptz, text, jsonb)",
    "DROP TRIGGER shuanglian_auditevent_append_only ON shuanglian_auditevent",
    "DROP FUNCTION shuanglian_auditevent_append_only()",
]

SQLITE_CREATE = [
    # everything = 1: flush; 0: the purge, which still keeps events younger than 184 days.
    "CREATE TABLE shuanglian_auditevent_purge_guard (everything integer NOT NULL)",
    f"""
CREATE TRIGGER shuanglian_auditevent_no_update
BEFORE UPDATE ON shuanglian_auditevent
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
""",
    f"""
CREATE TRIGGER shuanglian_auditevent_no_delete
BEFORE DELETE ON shuanglian_auditevent
WHEN NOT EXISTS (
    SELECT 1 FROM shuanglian_auditevent_purge_guard
    WHERE everything = 1 OR OLD.at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-184 days')
)
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
""",
]

SQLITE_DROP = [
    "DROP TRIGGER shuanglian_auditevent_no_delete",
    "DROP TRIGGER shuanglian_auditevent_no_update",
    "DROP TABLE shuanglian_auditevent_purge_guard",
]


def _run(statements_for: dict):
    def run(apps, schema_editor):
        for statement in statements_for.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("shuanglian", "0004_auditevent_user_kept_after_deletion"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}),
            _run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}),
        ),
    ]
