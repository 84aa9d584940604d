/** Messaging channels: inbound update log (idempotency), the outbox, bot conversations, call-backs. */
export const up = `
CREATE TABLE inbound_updates (
  channel text NOT NULL,
  update_key text NOT NULL,
  payload_enc text NOT NULL,
  received_at timestamptz NOT NULL,
  processed_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  PRIMARY KEY (channel, update_key)
);
CREATE INDEX inbound_updates_pending ON inbound_updates (received_at) WHERE processed_at IS NULL;

CREATE TABLE outbox (
  id uuid PRIMARY KEY,
  thread_id uuid NOT NULL REFERENCES request_threads (id) ON DELETE CASCADE,
  message_id bigint REFERENCES thread_messages (id) ON DELETE SET NULL,
  channel text NOT NULL,
  recipient_index bytea NOT NULL,
  payload_enc text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  provider_message_id text,
  created_at timestamptz NOT NULL,
  sent_at timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_thread ON outbox (thread_id);

CREATE TABLE bot_conversations (
  channel text NOT NULL,
  identity_index bytea NOT NULL,
  state_enc text NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (channel, identity_index)
);

ALTER TABLE request_threads ADD COLUMN last_inbound_at timestamptz;
ALTER TABLE request_threads ADD COLUMN callback_requested_at timestamptz;
ALTER TABLE request_threads ADD COLUMN callback_done_at timestamptz;
`;
