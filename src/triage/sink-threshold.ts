/**
 * At or above this spam score a request sinks below the others in the queue (still visible, never
 * dropped). No imports: the console bundles this module to mark likely fakes the same way.
 */
export const SINK_THRESHOLD = 60;
