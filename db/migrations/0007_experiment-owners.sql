-- Up Migration

-- Each experiment belongs to the user who created it, and only that user reads
-- it. An experiment outlives the deletion of its owner's data, because its
-- reservation still holds stock: the owner becomes NULL, and the gatekeeper
-- replaces the title in the same transaction.
ALTER TABLE app.experiments
  ADD COLUMN owner_id uuid REFERENCES app.users (id) ON DELETE SET NULL;

CREATE INDEX experiments_owner_idx ON app.experiments (owner_id);

-- Down Migration

ALTER TABLE app.experiments DROP COLUMN owner_id;
