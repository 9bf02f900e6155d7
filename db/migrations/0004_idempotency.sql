-- Up Migration

-- Idempotency keys of completed writes. A write inserts its row in its own transaction, so the
-- primary key stops a second execution even when the Redis reservation was lost. Rows older than
-- 24 hours are expired: the next write with the same key replaces them.
CREATE TABLE app.idempotency_keys (
  caller_issuer text NOT NULL,
  caller_subject text NOT NULL,
  idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
  method text NOT NULL,
  -- SHA-256 of the method and the canonical JSON of the request.
  request_hash text NOT NULL,
  -- The protobuf-encoded response, written before the transaction commits.
  response bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT idempotency_keys_pkey PRIMARY KEY (caller_issuer, caller_subject, idempotency_key)
);

CREATE INDEX idempotency_keys_created_at_idx ON app.idempotency_keys (created_at);

-- Down Migration

DROP TABLE app.idempotency_keys;
