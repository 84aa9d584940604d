/**
 * Initial schema. Columns ending in `_enc` hold server-tier ciphertext (envelope encryption under the
 * master key); `sealed` and `*_sealed` columns hold sealed-tier ciphertext nobody can read with the
 * master key alone; `*_index` / `*_lookup` columns are keyed HMACs for equality look-ups.
 * No column anywhere holds an IP address or a User-Agent.
 */
export const up = `
CREATE TABLE org_keys (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  public_key bytea NOT NULL,
  recovery_wrapped_secret bytea NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  email_index bytea NOT NULL UNIQUE,
  email_enc text NOT NULL,
  role text NOT NULL CHECK (role IN ('operator', 'supervisor', 'registrar', 'liaison', 'admin')),
  password_hash text NOT NULL,
  kek_salt bytea NOT NULL,
  public_key bytea NOT NULL,
  wrapped_secret_key bytea NOT NULL,
  org_key_sealed bytea,
  totp_secret_enc text NOT NULL,
  totp_last_step bigint NOT NULL DEFAULT 0,
  must_change_password boolean NOT NULL DEFAULT true,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE sessions (
  id bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_hash bytea NOT NULL,
  org_key_enc bytea,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE request_threads (
  id uuid PRIMARY KEY,
  ref text NOT NULL UNIQUE,
  channel text NOT NULL,
  category text NOT NULL,
  language text NOT NULL,
  urgency smallint NOT NULL,
  status text NOT NULL,
  public_key bytea NOT NULL,
  sk_for_org bytea NOT NULL,
  sk_for_receipt bytea,
  receipt_salt bytea,
  receipt_lookup bytea UNIQUE,
  identity_index bytea,
  identity_enc text,
  assignee_id uuid REFERENCES users (id),
  protocol_version text,
  message_count integer NOT NULL DEFAULT 0,
  awaiting_reply boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_requester_at timestamptz NOT NULL,
  last_operator_at timestamptz,
  closed_at timestamptz
);
CREATE INDEX request_threads_queue ON request_threads (urgency DESC, last_requester_at DESC, id DESC);
CREATE INDEX request_threads_status_queue ON request_threads (status, urgency DESC, last_requester_at DESC, id DESC);
CREATE INDEX request_threads_newest ON request_threads (created_at DESC, id DESC);
CREATE INDEX request_threads_waiting ON request_threads (last_requester_at, id);
CREATE INDEX request_threads_identity ON request_threads (identity_index) WHERE identity_index IS NOT NULL;

CREATE TABLE thread_messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  thread_id uuid NOT NULL REFERENCES request_threads (id) ON DELETE CASCADE,
  direction text NOT NULL CHECK (direction IN ('in', 'out', 'note', 'system')),
  author_id uuid REFERENCES users (id),
  sealed bytea NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX thread_messages_thread ON thread_messages (thread_id, id);

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  seq bigint UNIQUE,
  at timestamptz NOT NULL,
  actor_type text NOT NULL,
  actor_id uuid,
  action text NOT NULL,
  subject_type text,
  subject_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash bytea,
  hash bytea
);
CREATE INDEX audit_log_unchained ON audit_log (id) WHERE seq IS NULL;
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TABLE form_nonces (
  nonce bytea PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX form_nonces_expiry ON form_nonces (expires_at);
`;
