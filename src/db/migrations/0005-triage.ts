/** Triage scores, text sketches, abuse flags, admin settings, statistics rollups and annotations. */
export const up = `
ALTER TABLE request_threads ADD COLUMN spam_score smallint NOT NULL DEFAULT 0;
ALTER TABLE request_threads ADD COLUMN spam_reasons text[] NOT NULL DEFAULT '{}';
ALTER TABLE request_threads ADD COLUMN sunk boolean GENERATED ALWAYS AS (spam_score >= 60) STORED;
ALTER TABLE request_threads ADD COLUMN triage_verdict text CHECK (triage_verdict IN ('genuine', 'spam'));
ALTER TABLE request_threads ADD COLUMN detected_language text;
ALTER TABLE request_threads ADD COLUMN text_fingerprint bytea;
CREATE INDEX request_threads_fingerprint ON request_threads (text_fingerprint, created_at) WHERE text_fingerprint IS NOT NULL;
CREATE INDEX request_threads_identity_time ON request_threads (identity_index, created_at) WHERE identity_index IS NOT NULL;
DROP INDEX request_threads_queue;
CREATE INDEX request_threads_queue ON request_threads (sunk, urgency DESC, last_requester_at DESC, id DESC);

CREATE TABLE text_bands (
  band bytea NOT NULL,
  thread_id uuid NOT NULL REFERENCES request_threads (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL
);
CREATE INDEX text_bands_band ON text_bands (band, created_at);
CREATE INDEX text_bands_thread ON text_bands (thread_id);

CREATE TABLE flagged_identities (
  identity_index bytea PRIMARY KEY,
  reason text NOT NULL,
  flagged_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE flagged_fingerprints (
  fingerprint bytea PRIMARY KEY,
  flagged_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  updated_by uuid REFERENCES users (id)
);

CREATE TABLE stats_daily (
  day date NOT NULL,
  channel text NOT NULL,
  category text NOT NULL,
  language text NOT NULL,
  requests integer NOT NULL,
  likely_fake integer NOT NULL,
  verified integer NOT NULL,
  meeting_agreed integer NOT NULL,
  in_custody integer NOT NULL,
  info_given integer NOT NULL,
  probes integer NOT NULL,
  first_response_count integer NOT NULL,
  first_response_seconds bigint NOT NULL,
  PRIMARY KEY (day, channel, category, language)
);

CREATE TABLE stats_annotations (
  id uuid PRIMARY KEY,
  day date NOT NULL,
  label text NOT NULL,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL
);
`;
