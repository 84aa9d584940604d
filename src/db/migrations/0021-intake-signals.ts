/**
 * The spam signals of a new request (intake.service.ts `spamSignalsQuery`) as a function whose plans
 * never scan a table sequentially. The intake statement is prepared, and a connection keeps the plan
 * it made at its sixth run: on a fresh install or after a quiet day `text_bands` holds a few rows, a
 * sequential scan is the cheapest plan, and it stayed the plan while a flood of varied texts filled
 * the table — every request then read every band of the day (measured: 8,700 rows per request after
 * 3,000 requests, PostgreSQL CPU per request tripling within a minute). Inside this function the plans
 * are made with sequential scans off, so they are index range scans with a LIMIT whatever the table's
 * size when they were made. The caps come in as arguments (triage/scoring.ts SIGNAL_CAPS).
 *
 * ROWS 1: it returns one row, and the statement that stores the request is planned around it. With the
 * default estimate for a set-returning function (1,000 rows) that statement's estimated cost passed
 * `jit_above_cost` on a PostgreSQL server with JIT on (Debian's default): every request was compiled
 * to machine code first, ~100 ms each.
 */
export const up = `
CREATE FUNCTION intake_spam_signals(p_fingerprint bytea, p_bands bytea[], p_identity bytea,
    p_day_ago timestamptz, p_hour_ago timestamptz, p_now timestamptz,
    p_text_cap int, p_band_rows int, p_identity_cap int)
  RETURNS TABLE (same bigint, near bigint, ident bigint, iflag boolean, tflag boolean)
  LANGUAGE plpgsql STABLE
  ROWS 1
  SET enable_seqscan = off
AS $fn$
BEGIN
  RETURN QUERY SELECT
    (SELECT count(*) FROM (SELECT 1 FROM request_threads r WHERE r.text_fingerprint = p_fingerprint
      AND r.created_at > p_day_ago LIMIT p_text_cap) s),
    (SELECT least(count(DISTINCT b.thread_id), p_text_cap) FROM (SELECT t.thread_id FROM text_bands t
      WHERE t.band = ANY(p_bands) AND t.created_at > p_day_ago LIMIT p_band_rows) b),
    CASE WHEN p_identity IS NULL THEN 0::bigint ELSE
      (SELECT count(*) FROM (SELECT 1 FROM request_threads r WHERE r.identity_index = p_identity
        AND r.created_at > p_hour_ago LIMIT p_identity_cap) i) END,
    p_identity IS NOT NULL AND EXISTS (SELECT 1 FROM flagged_identities f
      WHERE f.identity_index = p_identity AND f.expires_at > p_now),
    EXISTS (SELECT 1 FROM flagged_fingerprints f WHERE f.fingerprint = p_fingerprint AND f.expires_at > p_now);
END
$fn$;
`;
