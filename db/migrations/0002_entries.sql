-- Up Migration

-- Notebook entries. The text-search document is generated from the title and
-- body, so it always matches them. `revision` goes up on every change and lets
-- a writer that computed an embedding outside the transaction detect that the
-- entry changed meanwhile.
CREATE TABLE app.entries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  body text NOT NULL DEFAULT '' CHECK (octet_length(body) <= 32768),
  tags text[] NOT NULL DEFAULT '{}'
    CHECK (cardinality(tags) <= 20 AND array_position(tags, NULL) IS NULL),
  metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  search_document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
  ) STORED,
  -- Embedder that produced `embedding` (added below when pgvector exists);
  -- search compares only vectors of the configured embedder.
  embedding_model text,
  revision integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX entries_owner_idx ON app.entries (owner_id, created_at DESC, id DESC);
CREATE INDEX entries_created_idx ON app.entries (created_at DESC, id DESC);
CREATE INDEX entries_tags_idx ON app.entries USING gin (tags);
-- jsonb_path_ops indexes exactly the containment operator (@>) that filters use.
CREATE INDEX entries_metadata_idx ON app.entries USING gin (metadata jsonb_path_ops);
CREATE INDEX entries_search_idx ON app.entries USING gin (search_document);

-- Read-only shares: each row lets one user read one entry.
CREATE TABLE app.entry_shares (
  entry_id uuid NOT NULL REFERENCES app.entries (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
  PRIMARY KEY (entry_id, user_id)
);

CREATE INDEX entry_shares_user_idx ON app.entry_shares (user_id, entry_id);

-- Adds the embedding column and its HNSW index when the server has pgvector.
-- Without it, entry search ranks by full text only; the function raises a
-- WARNING saying so and returns false. It changes nothing when the column
-- exists, so after installing pgvector an operator runs
-- `SELECT app.enable_entry_embeddings()` and then `palisade reembed`.
-- 1024 dimensions: embedders with shorter vectors are zero-padded, which
-- leaves cosine distances unchanged.
CREATE FUNCTION app.enable_entry_embeddings() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_attribute
     WHERE attrelid = 'app.entries'::regclass AND attname = 'embedding' AND NOT attisdropped
  ) THEN
    RETURN true;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    RAISE WARNING 'pgvector (extension "vector") is not installed on this server: entry search will rank by full text only'
      USING HINT = 'Install pgvector, run SELECT app.enable_entry_embeddings(), then palisade reembed.';
    RETURN false;
  END IF;

  BEGIN
    CREATE EXTENSION IF NOT EXISTS vector;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'this role may not create extension "vector": entry search will rank by full text only'
      USING HINT = 'Run CREATE EXTENSION vector as a superuser, then SELECT app.enable_entry_embeddings() and palisade reembed.';
    RETURN false;
  END;

  ALTER TABLE app.entries ADD COLUMN embedding vector(1024);
  CREATE INDEX entries_embedding_idx ON app.entries USING hnsw (embedding vector_cosine_ops);
  RETURN true;
END
$$;

-- It changes the schema, so only its owner and superusers may run it.
REVOKE EXECUTE ON FUNCTION app.enable_entry_embeddings() FROM PUBLIC;

SELECT app.enable_entry_embeddings();

-- Down Migration

DROP FUNCTION app.enable_entry_embeddings();
DROP TABLE app.entry_shares;
DROP TABLE app.entries;
