-- Up Migration

-- Least-privilege roles. Roles belong to the whole server, not to one
-- database, so another database on the same server may have created them
-- already: each is created only when missing, and an existing role keeps its
-- attributes (LOGIN, password, VALID UNTIL), which an operator or
-- `palisade dev` sets after migrating.
--
--   palisade_migrator   owns the schemas and their tables; runs migrations.
--   palisade_gatekeeper the gatekeeper: the statements its business functions
--                       run, and on the audit trail only INSERT and SELECT.
--   palisade_inventory  the inventory service: its own schema and nothing else.
--
-- All three are NOLOGIN when created, so none can connect until an operator
-- gives it LOGIN and a credential (a password with VALID UNTIL, or
-- `GRANT rds_iam` on RDS).
DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['palisade_migrator', 'palisade_gatekeeper', 'palisade_inventory']
  LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name);
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
    EXCEPTION
      -- Another database's migration created it at the same moment.
      WHEN duplicate_object OR unique_violation THEN NULL;
      WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'role % is missing and % may not create roles', role_name, current_user
          USING HINT = 'Run this migration once as a role with CREATEROLE, or create the role '
                       'as an administrator: CREATE ROLE ' || role_name || ' NOLOGIN';
    END;
  END LOOP;

  -- Changing an owner to palisade_migrator requires membership in it. A
  -- superuser has it implicitly; an administrator such as the RDS master user
  -- is granted it.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
     AND NOT pg_has_role(current_user, 'palisade_migrator', 'MEMBER') THEN
    EXECUTE format('GRANT palisade_migrator TO %I', current_user);
  END IF;
END
$$;

-- The inventory service's schema. It gets its tables from later migrations.
CREATE SCHEMA IF NOT EXISTS inventory;

-- The migration role owns the schemas and every table in them, so no
-- application role can drop, alter or disable triggers on anything.
ALTER SCHEMA app OWNER TO palisade_migrator;
ALTER SCHEMA audit OWNER TO palisade_migrator;
ALTER SCHEMA inventory OWNER TO palisade_migrator;

DO $$
DECLARE
  table_name regclass;
BEGIN
  FOR table_name IN
    SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('app', 'audit', 'inventory') AND c.relkind IN ('r', 'p')
  LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO palisade_migrator', table_name);
  END LOOP;
END
$$;

-- Nobody else creates objects in the public schema (PostgreSQL before 15
-- lets every role do that).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- The gatekeeper: schema access, then per table only the statements that its
-- business functions run. Tables that an earlier migration may not have
-- created are granted only when present.
GRANT USAGE ON SCHEMA app, audit TO palisade_gatekeeper;

DO $$
DECLARE
  grants CONSTANT text[][] := ARRAY[
    ['app.users', 'SELECT, INSERT, DELETE'],
    ['app.profiles', 'SELECT, INSERT, UPDATE'],
    ['app.entries', 'SELECT, INSERT, UPDATE, DELETE'],
    ['app.entry_shares', 'SELECT, INSERT, DELETE'],
    ['app.idempotency_keys', 'SELECT, INSERT, UPDATE, DELETE'],
    ['audit.events', 'SELECT, INSERT']
  ];
  i integer;
BEGIN
  FOR i IN 1 .. array_length(grants, 1) LOOP
    CONTINUE WHEN to_regclass(grants[i][1]) IS NULL;
    EXECUTE format('GRANT %s ON %s TO palisade_gatekeeper', grants[i][2], grants[i][1]);
  END LOOP;
END
$$;

-- Serial columns need USAGE on their sequence for INSERT to call nextval();
-- identity columns do not, but the grant is harmless there.
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA app, audit TO palisade_gatekeeper;

-- The inventory service sees only its schema.
GRANT USAGE ON SCHEMA inventory TO palisade_inventory;

-- Tables and sequences created by later migrations get their grants when they
-- are created. Default privileges apply per creating role: the migration role
-- in production, and the role running this migration (a superuser in
-- development). A later migration may narrow a table's grants with REVOKE;
-- an audit table that needs UPDATE gets it with its own GRANT.
DO $$
DECLARE
  creator text;
BEGIN
  FOREACH creator IN ARRAY ARRAY['palisade_migrator', current_user::text] LOOP
    EXECUTE format(
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA app '
      'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO palisade_gatekeeper', creator);
    EXECUTE format(
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA audit '
      'GRANT SELECT, INSERT ON TABLES TO palisade_gatekeeper', creator);
    EXECUTE format(
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA app, audit '
      'GRANT USAGE, SELECT ON SEQUENCES TO palisade_gatekeeper', creator);
    EXECUTE format(
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA inventory '
      'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO palisade_inventory', creator);
    EXECUTE format(
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA inventory '
      'GRANT USAGE, SELECT ON SEQUENCES TO palisade_inventory', creator);
  END LOOP;
END
$$;

-- The audit trail is append-only: UPDATE, DELETE and TRUNCATE are rejected
-- for every role except members of the migration role. Those own the table
-- and could disable this trigger anyway, and a migration that reshapes the
-- trail (such as one adding a hash chain) must be able to rewrite it.
CREATE FUNCTION audit.reject_event_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog
  AS $$
    BEGIN
      IF pg_has_role(current_user, 'palisade_migrator', 'MEMBER') THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
      END IF;
      RAISE EXCEPTION '% on audit.events is not allowed for role %: audit events are never changed or removed',
        TG_OP, current_user
        USING ERRCODE = 'insufficient_privilege';
    END
  $$;

CREATE TRIGGER events_reject_update_delete BEFORE UPDATE OR DELETE ON audit.events
  FOR EACH ROW EXECUTE FUNCTION audit.reject_event_change();
CREATE TRIGGER events_reject_truncate BEFORE TRUNCATE ON audit.events
  FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_event_change();

-- Down Migration

-- The roles stay: other databases on the same server may use them.
DROP TRIGGER events_reject_truncate ON audit.events;
DROP TRIGGER events_reject_update_delete ON audit.events;
DROP FUNCTION audit.reject_event_change();

DO $$
DECLARE
  creator text;
BEGIN
  FOREACH creator IN ARRAY ARRAY['palisade_migrator', current_user::text] LOOP
    EXECUTE format(
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA app '
      'REVOKE ALL ON TABLES FROM palisade_gatekeeper', creator);
    EXECUTE format(
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA audit '
      'REVOKE ALL ON TABLES FROM palisade_gatekeeper', creator);
    EXECUTE format(
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA app, audit '
      'REVOKE ALL ON SEQUENCES FROM palisade_gatekeeper', creator);
    EXECUTE format(
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA inventory '
      'REVOKE ALL ON TABLES FROM palisade_inventory', creator);
    EXECUTE format(
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA inventory '
      'REVOKE ALL ON SEQUENCES FROM palisade_inventory', creator);
  END LOOP;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA app, audit FROM palisade_gatekeeper;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA app, audit FROM palisade_gatekeeper;
REVOKE ALL ON SCHEMA app, audit FROM palisade_gatekeeper;
REVOKE ALL ON SCHEMA inventory FROM palisade_inventory;
DROP SCHEMA inventory;
