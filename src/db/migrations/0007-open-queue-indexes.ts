/**
 * The console's tabs show open requests; with a million mostly closed ones the general indexes made
 * the "waiting longest" sort scan hundreds of thousands of closed rows (p95 ≈ 1.4 s in
 * `npm run bench -- queue`). Partial indexes over open, unmerged requests bring every tab's first
 * page to a few milliseconds (measured p95 3–7 ms at 1,000,000 rows).
 */
const OPEN = `merged_into IS NULL AND status NOT IN ('in_custody', 'unreachable', 'withdrawn', 'rejected_probe', 'closed_info_given')`;

export const up = `
CREATE INDEX request_threads_open_urgent ON request_threads (sunk, urgency DESC, last_requester_at DESC, id DESC) WHERE ${OPEN};
CREATE INDEX request_threads_open_newest ON request_threads (created_at DESC, id DESC) WHERE ${OPEN};
CREATE INDEX request_threads_open_waiting ON request_threads (last_requester_at, id) WHERE ${OPEN};
`;
