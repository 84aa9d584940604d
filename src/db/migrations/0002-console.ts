/** Console: tags, merges, first-response time, canned replies, WebAuthn credentials, pending logins. */
export const up = `
ALTER TABLE request_threads ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
ALTER TABLE request_threads ADD COLUMN merged_into uuid REFERENCES request_threads (id);
ALTER TABLE request_threads ADD COLUMN first_response_at timestamptz;
CREATE INDEX request_threads_tags ON request_threads USING gin (tags);
CREATE INDEX request_threads_assignee ON request_threads (assignee_id, urgency DESC, last_requester_at DESC, id DESC)
  WHERE assignee_id IS NOT NULL;
CREATE INDEX request_threads_awaiting ON request_threads (urgency DESC, last_requester_at DESC, id DESC)
  WHERE awaiting_reply;

CREATE TABLE canned_replies (
  id uuid PRIMARY KEY,
  language text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX canned_replies_language ON canned_replies (language, title);

CREATE TABLE webauthn_credentials (
  id text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  public_key bytea NOT NULL,
  counter bigint NOT NULL DEFAULT 0,
  transports text[] NOT NULL DEFAULT '{}',
  name text NOT NULL,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id);

ALTER TABLE sessions ADD COLUMN webauthn_challenge text;

CREATE TABLE pending_logins (
  id bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  challenge text NOT NULL,
  org_key_enc bytea,
  expires_at timestamptz NOT NULL
);
`;
