/**
 * Every server-tier column (under the master key of the key file), with the context its ciphertext is bound to and an SQL expression that
 * identifies a row. Key rotation walks this list; a new encrypted column must be added here (a test
 * checks every `*_enc` column of the schema is listed).
 */
export const SERVER_TIER_COLUMNS = [
  { table: 'users', column: 'email_enc', context: 'users.email', key: 'id::text' },
  { table: 'users', column: 'totp_secret_enc', context: 'users.totp', key: 'id::text' },
  { table: 'pow_records', column: 'identity_enc', context: 'pow_records.identity', key: 'id::text' },
  { table: 'pow_events', column: 'details_enc', context: 'pow_events.details', key: 'id::text' },
  { table: 'pow_welfare', column: 'notes_enc', context: 'pow_welfare.notes', key: 'id::text' },
  { table: 'pow_letters', column: 'body_enc', context: 'pow_letters.body', key: 'id::text' },
  { table: 'voice_operators', column: 'phone_enc', context: 'voice_operators.phone', key: 'user_id::text' },
  { table: 'signing_keys', column: 'secret_key_enc', context: 'signing_keys.secret', key: 'id' },
  {
    table: 'notification_batches',
    column: 'content_enc',
    context: 'notification_batches.content',
    key: 'id::text',
  },
  { table: 'relative_inquiries', column: 'query_enc', context: 'relative_inquiries.query', key: 'id::text' },
  {
    table: 'relative_inquiries',
    column: 'answer_enc',
    context: 'relative_inquiries.answer',
    key: 'id::text',
  },
] as const;

/**
 * Every routing-tier column (crypto/routing.ts: under a key that exists only in the memory of running
 * servers). What reaches or locates a requester lives here. Values written before the routing tier
 * existed (`wf1.`, master key) are re-encrypted here at the first unlock (`retierLegacyValues`), and key
 * rotation re-wraps any still left.
 */
export const ROUTING_TIER_COLUMNS = [
  { table: 'request_threads', column: 'identity_enc', context: 'request_threads.identity', key: 'id::text' },
  {
    table: 'request_threads',
    column: 'expected_front_enc',
    context: 'request_threads.expected_front',
    key: 'id::text',
  },
  {
    table: 'case_answers',
    column: 'value_enc',
    context: 'case_answers.value',
    key: "thread_id::text || '/' || step_id || '/' || question_id",
  },
  {
    table: 'inbound_updates',
    column: 'payload_enc',
    context: 'inbound_updates.payload',
    key: "channel || '/' || update_key",
  },
  { table: 'outbox', column: 'payload_enc', context: 'outbox.payload', key: 'id::text' },
  {
    table: 'bot_conversations',
    column: 'state_enc',
    context: 'bot_conversations.state',
    key: "channel || '/' || encode(identity_index, 'hex')",
  },
  {
    table: 'case_reminders',
    column: 'due_enc',
    context: 'case_reminders.due',
    key: "thread_id::text || '/' || kind",
  },
  {
    table: 'relative_inquiries',
    column: 'identity_enc',
    context: 'relative_inquiries.identity',
    key: 'id::text',
  },
] as const;

/** Both tiers: key rotation re-wraps any master-key (`wf1.`) value in any of them. */
export const ENCRYPTED_COLUMNS = [...SERVER_TIER_COLUMNS, ...ROUTING_TIER_COLUMNS] as const;
