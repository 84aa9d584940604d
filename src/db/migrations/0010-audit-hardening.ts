/**
 * Issue #11.
 *
 * `audit_chain`: from which `seq` on the chain is keyed (HMAC under the audit key, which is never in the
 * database). Rows chained before this migration keep their SHA-256 links and verify with the old rule
 * up to that boundary; the signed checkpoints outside the database carry the boundary too, so moving it
 * is detected (docs/decisions/0007-audit-keyed-chain.md).
 *
 * `login_throttles`: the login and password-change throttles, shared by every instance and kept across
 * restarts (they lived in process memory). One row per bucket as a GCRA "theoretical arrival time":
 * one atomic upsert per attempt.
 */
export const up = `
CREATE TABLE audit_chain (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  keyed_from_seq bigint NOT NULL
);
INSERT INTO audit_chain (keyed_from_seq) SELECT COALESCE(max(seq), 0) + 1 FROM audit_log;

CREATE TABLE login_throttles (
  scope text NOT NULL,
  key text NOT NULL,
  tat timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
`;
