/**
 * The phone line (issue #17): calls answered live from a queue, call-backs placed by the server, recorded
 * prompts. No table here holds a phone number of a requester: a call points at its request thread, whose
 * `identity_enc` is the only place the number lives (server tier). An operator's own phone (where the
 * hotline rings them) is server-tier encrypted too.
 */
export const up = `
CREATE TABLE voice_operators (
  user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  phone_enc text,
  available boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL
);

CREATE TABLE voice_calls (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  provider_sid text UNIQUE,
  thread_id uuid REFERENCES request_threads(id) ON DELETE CASCADE,
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  language text,
  state text NOT NULL CHECK (state IN ('menu', 'queued', 'bridged', 'voicemail', 'ringing', 'ended')),
  outcome text CHECK (outcome IN ('answered', 'voicemail', 'missed', 'failed')),
  answered_by uuid REFERENCES users(id) ON DELETE SET NULL,
  started_at timestamptz NOT NULL,
  queued_at timestamptz,
  answered_at timestamptz,
  ended_at timestamptz,
  duration_sec integer,
  recorded boolean NOT NULL DEFAULT false
);
CREATE INDEX voice_calls_thread ON voice_calls (thread_id, started_at);
CREATE INDEX voice_calls_waiting ON voice_calls (queued_at) WHERE state = 'queued';

-- The legs that ring an operator's phone for a waiting call (one per operator offered).
CREATE TABLE voice_legs (
  provider_sid text PRIMARY KEY,
  call_id uuid NOT NULL REFERENCES voice_calls(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  ended_at timestamptz
);
CREATE INDEX voice_legs_call ON voice_legs (call_id);

CREATE TABLE voice_callbacks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  thread_id uuid NOT NULL REFERENCES request_threads(id) ON DELETE CASCADE,
  due_window text NOT NULL DEFAULT 'any' CHECK (due_window IN ('any', 'morning', 'afternoon', 'evening')),
  requested_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  done_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_outcome text
);
CREATE UNIQUE INDEX voice_callbacks_open ON voice_callbacks (thread_id) WHERE done_at IS NULL;

CREATE TABLE voice_prompts (
  language text NOT NULL,
  step text NOT NULL,
  audio bytea NOT NULL,
  token text NOT NULL UNIQUE,
  duration_ms integer NOT NULL,
  uploaded_by uuid REFERENCES users(id) ON DELETE SET NULL,
  uploaded_at timestamptz NOT NULL,
  PRIMARY KEY (language, step)
);

-- Replies to a caller go out by SMS only when an operator has enabled it after asking the caller.
ALTER TABLE request_threads ADD COLUMN sms_allowed boolean NOT NULL DEFAULT false;
`;
