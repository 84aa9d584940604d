/**
 * Every server-tier column, with the context its ciphertext is bound to. Key rotation walks this
 * list; a new encrypted column must be added here (a test checks the schema against it).
 */
export const SERVER_TIER_COLUMNS = [
  { table: 'users', column: 'email_enc', context: 'users.email' },
  { table: 'users', column: 'totp_secret_enc', context: 'users.totp' },
  { table: 'request_threads', column: 'identity_enc', context: 'request_threads.identity' },
] as const;
