/**
 * Hardening after a security review: delivery payloads and raw provider updates can be wiped once
 * they are no longer needed; meeting reminders keep their time only encrypted.
 */
export const up = `
ALTER TABLE outbox ALTER COLUMN payload_enc DROP NOT NULL;
ALTER TABLE inbound_updates ALTER COLUMN payload_enc DROP NOT NULL;
ALTER TABLE case_reminders ADD COLUMN due_enc text;
ALTER TABLE case_reminders ALTER COLUMN due_at DROP NOT NULL;
DROP INDEX case_reminders_due;
UPDATE case_reminders SET due_at = NULL WHERE sent_at IS NOT NULL;
`;
