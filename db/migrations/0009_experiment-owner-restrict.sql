-- Up Migration

-- A user row can no longer be deleted while an experiment still names it as its
-- owner. The gatekeeper detaches a user's experiments in the deleting
-- transaction, and ON DELETE SET NULL let an experiment that was inserted
-- during that transaction lose its owner without being detached, so a pending
-- one would still be confirmed. Now such a deletion fails, and the gatekeeper
-- detaches again and retries it.
ALTER TABLE app.experiments DROP CONSTRAINT experiments_owner_id_fkey;
ALTER TABLE app.experiments
  ADD CONSTRAINT experiments_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES app.users (id);

-- Down Migration

ALTER TABLE app.experiments DROP CONSTRAINT experiments_owner_id_fkey;
ALTER TABLE app.experiments
  ADD CONSTRAINT experiments_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES app.users (id)
  ON DELETE SET NULL;
