-- Up Migration

-- Business data lives in `app`, the audit trail in `audit`, so the two can be
-- granted separately.
CREATE SCHEMA IF NOT EXISTS app;
CREATE SCHEMA IF NOT EXISTS audit;

-- One row per end user, keyed by the identity provider's issuer and subject.
CREATE TABLE app.users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  issuer text NOT NULL,
  subject text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_issuer_subject_key UNIQUE (issuer, subject)
);

-- Personal data, removed as a whole when an admin deletes a user's data.
CREATE TABLE app.profiles (
  user_id uuid PRIMARY KEY REFERENCES app.users (id) ON DELETE CASCADE,
  display_name text NOT NULL DEFAULT '' CHECK (char_length(display_name) <= 100),
  email text NOT NULL DEFAULT '' CHECK (char_length(email) <= 254),
  locale text NOT NULL DEFAULT '' CHECK (char_length(locale) <= 35),
  metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The audit trail. Rows name users by id only and carry no foreign key, so
-- they outlive the data they describe.
CREATE TABLE audit.events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid,
  actor_subject text NOT NULL,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text NOT NULL,
  request_id text NOT NULL
);

CREATE INDEX events_actor_idx ON audit.events (actor_id, seq DESC);
CREATE INDEX events_target_idx ON audit.events (target_id, seq DESC);
CREATE INDEX events_action_idx ON audit.events (action, seq DESC);

-- Down Migration

DROP TABLE audit.events;
DROP TABLE app.profiles;
DROP TABLE app.users;
DROP SCHEMA audit;
DROP SCHEMA app;
