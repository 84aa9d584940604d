/**
 * Issue #13: sunk requests that no operator ever touched are purged after a few hours, every minute in
 * small batches. The partial index holds only sunk, untriaged, new requests — exactly the purge's
 * candidates — so finding the oldest costs the same at any size of the archive, and the supervisor's
 * "held sunk" count is an index-only count.
 */
export const up = `
CREATE INDEX request_threads_sunk_untouched ON request_threads (created_at)
  WHERE sunk AND triage_verdict IS NULL AND status = 'new';
`;
