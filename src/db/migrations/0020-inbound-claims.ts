/**
 * A provider update is claimed by the handler that runs it (`claimed_until`, a lease): the direct path,
 * a sweep and the sweep of another process never handle the same update twice (every process sweeps
 * when it is unlocked, so several sweeps meet after a login). A lease, not a flag: an update whose
 * process died while handling it is swept again once the lease has run out.
 */
export const up = `
ALTER TABLE inbound_updates ADD COLUMN claimed_until timestamptz;
`;
