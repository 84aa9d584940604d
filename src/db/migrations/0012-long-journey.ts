/**
 * The long journey (issue #12): a case waiting for the front carries its expected date (a timer
 * field: sealed, the timers open it), reminders counted rather than timed (a clear "reminded at"
 * would give the date away), a returned case is marked with when and after how long a silence, an
 * inbound message remembers its channel (SMS and voice are one person), and /follow-up hands out
 * short one-time codes that attach a messaging chat to the case (only their HMAC is stored).
 */
export const up = `
ALTER TABLE request_threads
  ADD COLUMN expected_front_enc text,
  ADD COLUMN wait_reminders_sent smallint NOT NULL DEFAULT 0,
  ADD COLUMN returned_at timestamptz,
  ADD COLUMN returned_from_at timestamptz;
ALTER TABLE thread_messages ADD COLUMN channel text;
CREATE INDEX request_threads_returned ON request_threads (returned_at DESC)
  WHERE returned_at IS NOT NULL AND merged_into IS NULL;
CREATE INDEX request_threads_awaiting_front ON request_threads (id)
  WHERE status = 'awaiting_front_contact' AND merged_into IS NULL;
CREATE TABLE link_codes (
  code_hash bytea PRIMARY KEY,
  thread_id uuid NOT NULL REFERENCES request_threads (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);
CREATE INDEX link_codes_thread ON link_codes (thread_id);
`;
