-- Up Migration

-- Experiments and the saga that reserves their inventory. The gatekeeper owns
-- the app tables; the inventory service owns the inventory tables; the two
-- meet only through messages (the messaging schema) and one read-only view.

CREATE TABLE app.experiments (
  id uuid PRIMARY KEY,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  state text NOT NULL DEFAULT 'PENDING'
    CHECK (state IN ('PENDING', 'CONFIRMED', 'REJECTED', 'FAILED')),
  -- Why the experiment was rejected or failed; null while pending or confirmed.
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app.experiment_items (
  experiment_id uuid NOT NULL REFERENCES app.experiments (id) ON DELETE CASCADE,
  item_id text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (experiment_id, item_id)
);

-- One row per saga step. A compensation row is written in the transaction that
-- sends its action, so a compensation is recorded before the action leaves.
CREATE TABLE app.saga_steps (
  saga_id uuid NOT NULL REFERENCES app.experiments (id) ON DELETE CASCADE,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('action', 'compensation')),
  status text NOT NULL
    CHECK (status IN ('PLANNED', 'SENT', 'SUCCEEDED', 'FAILED', 'DEAD_LETTERED', 'NOT_NEEDED')),
  -- Every send of one step carries the same correlation id, so a retry is recognised.
  correlation_id uuid NOT NULL UNIQUE,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz,
  detail text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (saga_id, name)
);

CREATE INDEX saga_steps_due_idx ON app.saga_steps (next_attempt_at) WHERE status = 'SENT';

-- Transactional outbox: written in the transaction that changes saga state; a
-- relay publishes rows in id order and stamps published_at.
CREATE TABLE app.outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id uuid NOT NULL UNIQUE,
  topic text NOT NULL,
  message_key text NOT NULL,
  message_type text NOT NULL,
  correlation_id uuid NOT NULL,
  traceparent text,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);

CREATE INDEX outbox_unpublished_idx ON app.outbox (id) WHERE published_at IS NULL;

-- Messages a consumer has applied; the primary key is the backstop behind the
-- Redis check, so a redelivered message never applies twice.
CREATE TABLE app.processed_messages (
  consumer text NOT NULL,
  message_id uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, message_id)
);

-- Inventory: available stock never goes below zero.
CREATE TABLE inventory.items (
  id text PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 64),
  name text NOT NULL,
  stock integer NOT NULL CHECK (stock >= 0)
);

CREATE TABLE inventory.reservations (
  saga_id uuid NOT NULL,
  item_id text NOT NULL REFERENCES inventory.items (id),
  quantity integer NOT NULL CHECK (quantity > 0),
  reserved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (saga_id, item_id)
);

-- Sagas whose reservation was released (or never made and then compensated):
-- a reserve command arriving later for one of them is refused.
CREATE TABLE inventory.released_sagas (
  saga_id uuid PRIMARY KEY,
  released_at timestamptz NOT NULL DEFAULT now()
);

-- Commands the inventory service has applied, with the reply it sent, so a
-- redelivered command gets the same reply and no second effect.
CREATE TABLE inventory.processed_commands (
  correlation_id uuid PRIMARY KEY,
  reply_type text NOT NULL,
  reply jsonb NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inventory.outbox (LIKE app.outbox INCLUDING ALL);

-- The inventory service's published read model: the only inventory object the
-- gatekeeper may read.
CREATE VIEW inventory.available_items AS
  SELECT id, name, stock AS available FROM inventory.items;

-- The embedded transport: one row per message and consumer group, taken with
-- FOR UPDATE SKIP LOCKED and deleted when handled.
CREATE SCHEMA messaging;

CREATE TABLE messaging.subscriptions (
  topic text NOT NULL,
  group_name text NOT NULL,
  PRIMARY KEY (topic, group_name)
);

CREATE TABLE messaging.deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic text NOT NULL,
  group_name text NOT NULL,
  message_key text NOT NULL,
  headers jsonb NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX deliveries_group_idx ON messaging.deliveries (topic, group_name, id);

ALTER SCHEMA messaging OWNER TO palisade_migrator;
ALTER TABLE messaging.subscriptions OWNER TO palisade_migrator;
ALTER TABLE messaging.deliveries OWNER TO palisade_migrator;
ALTER TABLE app.experiments OWNER TO palisade_migrator;
ALTER TABLE app.experiment_items OWNER TO palisade_migrator;
ALTER TABLE app.saga_steps OWNER TO palisade_migrator;
ALTER TABLE app.outbox OWNER TO palisade_migrator;
ALTER TABLE app.processed_messages OWNER TO palisade_migrator;
ALTER TABLE inventory.items OWNER TO palisade_migrator;
ALTER TABLE inventory.reservations OWNER TO palisade_migrator;
ALTER TABLE inventory.released_sagas OWNER TO palisade_migrator;
ALTER TABLE inventory.processed_commands OWNER TO palisade_migrator;
ALTER TABLE inventory.outbox OWNER TO palisade_migrator;
ALTER VIEW inventory.available_items OWNER TO palisade_migrator;

-- Outbox and processed-message rows are never changed by hand; the saga tables
-- take the statements the orchestrator runs.
REVOKE ALL ON app.experiments, app.experiment_items, app.saga_steps, app.outbox,
  app.processed_messages FROM palisade_gatekeeper;
GRANT SELECT, INSERT, UPDATE ON app.experiments, app.saga_steps, app.outbox TO palisade_gatekeeper;
GRANT SELECT, INSERT ON app.experiment_items, app.processed_messages TO palisade_gatekeeper;

GRANT SELECT, INSERT, UPDATE ON inventory.items, inventory.outbox TO palisade_inventory;
GRANT SELECT, INSERT, DELETE ON inventory.reservations TO palisade_inventory;
GRANT SELECT, INSERT ON inventory.released_sagas, inventory.processed_commands
  TO palisade_inventory;

-- The gatekeeper reads stock only through the published view.
GRANT USAGE ON SCHEMA inventory TO palisade_gatekeeper;
GRANT SELECT ON inventory.available_items TO palisade_gatekeeper;

GRANT USAGE ON SCHEMA messaging TO palisade_gatekeeper, palisade_inventory;
GRANT SELECT, INSERT ON messaging.subscriptions TO palisade_gatekeeper, palisade_inventory;
GRANT SELECT, INSERT, DELETE ON messaging.deliveries TO palisade_gatekeeper, palisade_inventory;

-- The embedded queue keeps messages only for groups that have subscribed, so
-- the default topics' groups are registered before either service first runs.
INSERT INTO messaging.subscriptions (topic, group_name) VALUES
  ('palisade.inventory.commands', 'palisade-inventory'),
  ('palisade.inventory.replies', 'palisade-gatekeeper-sagas');

-- Development data: a few items to run experiments against.
INSERT INTO inventory.items (id, name, stock) VALUES
  ('microscope', 'Confocal microscope hour', 8),
  ('centrifuge', 'Benchtop centrifuge', 4),
  ('pipette-set', 'Pipette set', 20),
  ('reagent-kit', 'Reagent kit', 50);

-- Down Migration

DROP SCHEMA messaging CASCADE;
DROP VIEW inventory.available_items;
DROP TABLE inventory.outbox;
DROP TABLE inventory.processed_commands;
DROP TABLE inventory.released_sagas;
DROP TABLE inventory.reservations;
DROP TABLE inventory.items;
DROP TABLE app.processed_messages;
DROP TABLE app.outbox;
DROP TABLE app.saga_steps;
DROP TABLE app.experiment_items;
DROP TABLE app.experiments;
