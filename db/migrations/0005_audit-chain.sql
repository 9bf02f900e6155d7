-- Up Migration

-- Hash chain over the audit trail. Each event stores the SHA-256 of the
-- previous event's hash followed by its own content, so changing, removing
-- or reordering a stored event breaks the chain, and `palisade audit verify`
-- finds the first break. The chain is written by a trigger, so every insert is
-- chained whichever code writes it, in the transaction of the change it
-- records.
--
-- NOTE: anyone who can write to these tables can also recompute every hash
-- after the event they changed. The copy of each event in the log stream
-- (with its hash) is the record that such a rewrite cannot reach.

-- seq becomes the position in the chain, assigned under the chain-head lock,
-- so it has no gaps and follows commit order of the chain head.
ALTER TABLE audit.events ALTER COLUMN seq DROP IDENTITY;
ALTER TABLE audit.events ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea;

-- The last event of the chain. One row, locked FOR UPDATE by each insert, so
-- concurrent transactions append one after another.
CREATE TABLE audit.chain_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_seq bigint NOT NULL,
  last_hash bytea NOT NULL CHECK (octet_length(last_hash) = 32)
);

-- One field of the hashed content: its UTF-8 length as a 4-byte big-endian
-- integer, then its bytes; NULL is the length -1 with no bytes. The framing
-- keeps ('ab', 'c') and ('a', 'bc') apart. The verifier in
-- packages/cli/src/audit/audit-chain.ts encodes the same way.
CREATE FUNCTION audit.hash_field(value text) RETURNS bytea
  LANGUAGE sql STABLE
  SET search_path = pg_catalog
  AS $$
    SELECT CASE
      WHEN value IS NULL THEN int4send(-1)
      ELSE int4send(octet_length(convert_to(value, 'UTF8'))) || convert_to(value, 'UTF8')
    END
  $$;

-- The hash of an event: SHA-256 over the previous hash (32 bytes) and the
-- event's fields in a fixed order. occurred_at is hashed as UTC text with
-- microseconds, so the session time zone cannot change the result. seq is
-- not hashed: an event's place is fixed by the previous hash it carries.
-- A column added to audit.events later must be added here and to the verifier.
CREATE FUNCTION audit.event_hash(prev_hash bytea, event audit.events) RETURNS bytea
  LANGUAGE sql STABLE
  SET search_path = pg_catalog
  AS $$
    SELECT sha256(
      prev_hash
      || audit.hash_field(event.id::text)
      || audit.hash_field(
           to_char(event.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
      || audit.hash_field(event.actor_id::text)
      || audit.hash_field(event.actor_subject)
      || audit.hash_field(event.action)
      || audit.hash_field(event.target_type)
      || audit.hash_field(event.target_id)
      || audit.hash_field(event.request_id)
    )
  $$;

-- Chains the events written before this migration, in their order, numbering
-- them from 1. The sign flip avoids primary-key clashes while renumbering.
UPDATE audit.events SET seq = -seq;
UPDATE audit.events e
   SET seq = ordered.position
  FROM (SELECT seq, row_number() OVER (ORDER BY seq DESC) AS position FROM audit.events) ordered
 WHERE e.seq = ordered.seq;

INSERT INTO audit.chain_head (last_seq, last_hash) VALUES (0, decode(repeat('00', 32), 'hex'));

DO $$
DECLARE
  event audit.events;
  previous bytea := decode(repeat('00', 32), 'hex');
BEGIN
  FOR event IN SELECT * FROM audit.events ORDER BY seq LOOP
    UPDATE audit.events
       SET prev_hash = previous, hash = audit.event_hash(previous, event)
     WHERE seq = event.seq
    RETURNING hash INTO previous;
    UPDATE audit.chain_head SET last_seq = event.seq, last_hash = previous;
  END LOOP;
END
$$;

ALTER TABLE audit.events
  ALTER COLUMN prev_hash SET NOT NULL,
  ALTER COLUMN hash SET NOT NULL,
  ADD CONSTRAINT events_prev_hash_length CHECK (octet_length(prev_hash) = 32),
  ADD CONSTRAINT events_hash_length CHECK (octet_length(hash) = 32);

-- SECURITY DEFINER: the role that inserts audit events needs no privilege on
-- the chain head, so it cannot move the head by itself.
CREATE FUNCTION audit.chain_event() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog
  AS $$
    DECLARE
      head record;
    BEGIN
      SELECT last_seq, last_hash INTO STRICT head FROM audit.chain_head FOR UPDATE;
      NEW.seq := head.last_seq + 1;
      NEW.prev_hash := head.last_hash;
      NEW.hash := audit.event_hash(NEW.prev_hash, NEW);
      UPDATE audit.chain_head SET last_seq = NEW.seq, last_hash = NEW.hash;
      RETURN NEW;
    END
  $$;

CREATE TRIGGER events_chain BEFORE INSERT ON audit.events
  FOR EACH ROW EXECUTE FUNCTION audit.chain_event();

-- Only the chain trigger moves the head: a direct statement runs at trigger
-- depth 0 and is rejected, whoever sends it. The events themselves are
-- guarded by the append-only triggers of the roles migration. A table owner
-- can still disable all of these triggers, which is why the chain exists.
CREATE FUNCTION audit.reject_chain_head_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog
  AS $$
    BEGIN
      RAISE EXCEPTION '% on audit.chain_head is not allowed: only new audit events move it', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END
  $$;

CREATE TRIGGER chain_head_guard BEFORE UPDATE OR DELETE ON audit.chain_head
  FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION audit.reject_chain_head_change();
CREATE TRIGGER chain_head_no_truncate BEFORE TRUNCATE ON audit.chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_chain_head_change();

-- Like every other table, the chain head belongs to the migration role. The
-- gatekeeper needs no privilege on it (the chain trigger runs as its owner),
-- so the default privileges of the audit schema are taken back.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'palisade_migrator') THEN
    ALTER TABLE audit.chain_head OWNER TO palisade_migrator;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'palisade_gatekeeper') THEN
    REVOKE ALL ON audit.chain_head FROM palisade_gatekeeper;
  END IF;
END
$$;

-- Down Migration

DROP TRIGGER chain_head_no_truncate ON audit.chain_head;
DROP TRIGGER chain_head_guard ON audit.chain_head;
DROP TRIGGER events_chain ON audit.events;
DROP FUNCTION audit.reject_chain_head_change();
DROP FUNCTION audit.chain_event();
ALTER TABLE audit.events
  DROP CONSTRAINT events_hash_length,
  DROP CONSTRAINT events_prev_hash_length,
  DROP COLUMN hash,
  DROP COLUMN prev_hash;
DROP FUNCTION audit.event_hash(bytea, audit.events);
DROP FUNCTION audit.hash_field(text);
DROP TABLE audit.chain_head;

DO $$
DECLARE
  next_seq bigint := (SELECT coalesce(max(seq), 0) + 1 FROM audit.events);
BEGIN
  EXECUTE format(
    'ALTER TABLE audit.events ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (START WITH %s)',
    next_seq);
END
$$;
