/**
 * Issue #13 item 6, decision 0017: the console at 1,000,000 requests.
 *
 * Queue lists: partial indexes in the queue's own "urgent" order (likely fakes last, then urgency, then
 * the newest word) for the filters that select a small part of the open cases: one operator's cases
 * (the Mine tab) and an explicit status (which replaces the open-only default, e.g. "new" or a closed
 * state looked up). The status index replaces request_threads_status_queue, whose order predates
 * `sunk` and so always needed a sort. A tag among the open cases has its own (GIN) index.
 *
 * Queue counts: the tab counts are read from `queue_counts`, counts per slice of the filters the
 * console combines (status, category, channel, language, a different detected language, urgency;
 * for open cases also waiting for a reply and unassigned; SLA running) once for all requests (tag '') and once per tag. Row triggers on
 * request_threads append +1/−1 rows to `queue_count_deltas` in the writing transaction (append only:
 * no counter row is locked, so concurrent intake never waits on a count and no two transactions can
 * deadlock over them); the housekeeping job folds the deltas into queue_counts every minute, and a
 * read sums both. What depends on the clock or the reader is counted live on small partial indexes:
 * "mine" (one operator's open cases) and the SLA clock (breached = waiting with the clock running −
 * those still inside their window, which started within the last 8 hours).
 *
 * Dashboard: the rollup's sums per day and per dimension (`stats_daily_grouped`, one row a day) and the operators'
 * workload per day (`stats_workload_daily`), both kept by the statistics refresh with the rollup; the
 * dashboard reads the audit log only for the last two days.
 */
const OPEN = `merged_into IS NULL AND status NOT IN ('in_custody', 'unreachable', 'withdrawn', 'rejected_probe', 'closed_info_given')`;

/** The slice columns (merged requests count nowhere). */
const DIMS = `status, category, channel, language, detected_language, urgency, awaiting_reply, unassigned, sla_pending`;
const CLOSED = `('in_custody', 'unreachable', 'withdrawn', 'rejected_probe', 'closed_info_given')`;

/**
 * The slice a request counts in. Few slices is what makes the read cheap: a detected language equal to
 * the page's adds nothing to the language filter (counted as ''), and a closed case is counted only by
 * its status (the waiting, unassigned and mine counts are of open cases).
 */
function sliceOf(r: 'NEW' | 'OLD'): string {
  return `${r}.status, ${r}.category, ${r}.channel, ${r}.language,
      CASE WHEN ${r}.detected_language IS NULL OR ${r}.detected_language = ${r}.language THEN '' ELSE ${r}.detected_language END,
      ${r}.urgency, ${r}.awaiting_reply AND ${r}.status NOT IN ${CLOSED},
      ${r}.assignee_id IS NULL AND ${r}.status NOT IN ${CLOSED}, ${r}.awaiting_reply AND ${r}.closed_at IS NULL`;
}

/**
 * One row per day: the day's totals and its requests per channel, category and language as JSON
 * objects, summed from the rollup with GROUPING SETS (decision 0017). $WHERE limits the days.
 */
function groupedFill(where: string): string {
  return `WITH g AS (
  SELECT day, GROUPING(channel, category, language) AS g, coalesce(channel, category, language, '') AS value,
    sum(requests) AS requests, sum(likely_fake) AS likely_fake, sum(verified) AS verified,
    sum(meeting_agreed) AS meeting_agreed, sum(in_custody) AS in_custody, sum(info_given) AS info_given,
    sum(probes) AS probes, sum(first_response_count) AS first_response_count,
    sum(first_response_seconds) AS first_response_seconds
  FROM stats_daily ${where}
  GROUP BY GROUPING SETS ((day), (day, channel), (day, category), (day, language))
)
INSERT INTO stats_daily_grouped (day, requests, likely_fake, verified, meeting_agreed, in_custody, info_given, probes,
  first_response_count, first_response_seconds, by_channel, by_category, by_language)
SELECT day, max(requests) FILTER (WHERE g = 7), max(likely_fake) FILTER (WHERE g = 7),
  max(verified) FILTER (WHERE g = 7), max(meeting_agreed) FILTER (WHERE g = 7), max(in_custody) FILTER (WHERE g = 7),
  max(info_given) FILTER (WHERE g = 7), max(probes) FILTER (WHERE g = 7),
  max(first_response_count) FILTER (WHERE g = 7), max(first_response_seconds) FILTER (WHERE g = 7),
  coalesce(jsonb_object_agg(value, requests) FILTER (WHERE g = 3), '{}'),
  coalesce(jsonb_object_agg(value, requests) FILTER (WHERE g = 5), '{}'),
  coalesce(jsonb_object_agg(value, requests) FILTER (WHERE g = 6), '{}')
FROM g GROUP BY day`;
}

export const up = `
CREATE INDEX request_threads_open_assignee ON request_threads
  (assignee_id, sunk, urgency DESC, last_requester_at DESC, id DESC)
  INCLUDE (category, channel, language, detected_language, awaiting_reply) WHERE ${OPEN};
CREATE INDEX request_threads_status_urgent ON request_threads
  (status, sunk, urgency DESC, last_requester_at DESC, id DESC) WHERE merged_into IS NULL;
DROP INDEX request_threads_status_queue;
-- A tag on open cases: the general tags index had to be intersected with all open cases.
CREATE INDEX request_threads_open_tags ON request_threads USING gin (tags) WHERE ${OPEN};
-- Waiting with the SLA clock running, by when the clock started: the few still inside their window.
CREATE INDEX request_threads_sla_clock ON request_threads
  ((CASE WHEN first_response_at IS NULL THEN created_at ELSE last_requester_at END))
  WHERE awaiting_reply AND merged_into IS NULL AND closed_at IS NULL;

CREATE TABLE queue_counts (
  tag text NOT NULL,
  status text NOT NULL,
  category text NOT NULL,
  channel text NOT NULL,
  language text NOT NULL,
  detected_language text NOT NULL,
  urgency smallint NOT NULL,
  awaiting_reply boolean NOT NULL,
  unassigned boolean NOT NULL,
  sla_pending boolean NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (tag, ${DIMS})
);
CREATE TABLE queue_count_deltas (
  tag text NOT NULL,
  status text NOT NULL,
  category text NOT NULL,
  channel text NOT NULL,
  language text NOT NULL,
  detected_language text NOT NULL,
  urgency smallint NOT NULL,
  awaiting_reply boolean NOT NULL,
  unassigned boolean NOT NULL,
  sla_pending boolean NOT NULL,
  n integer NOT NULL
);

CREATE FUNCTION queue_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.merged_into IS NULL THEN
    INSERT INTO queue_count_deltas (tag, ${DIMS}, n)
    SELECT t, ${sliceOf('OLD')}, -1
    FROM (SELECT '' AS t UNION SELECT x FROM unnest(OLD.tags) AS x WHERE x <> '') tags;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.merged_into IS NULL THEN
    INSERT INTO queue_count_deltas (tag, ${DIMS}, n)
    SELECT t, ${sliceOf('NEW')}, 1
    FROM (SELECT '' AS t UNION SELECT x FROM unnest(NEW.tags) AS x WHERE x <> '') tags;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER request_threads_count_insert AFTER INSERT ON request_threads
  FOR EACH ROW EXECUTE FUNCTION queue_counts_track();
CREATE TRIGGER request_threads_count_delete AFTER DELETE ON request_threads
  FOR EACH ROW EXECUTE FUNCTION queue_counts_track();
-- Only updates that move a request to another slice: the many that touch other columns cost nothing.
CREATE TRIGGER request_threads_count_update AFTER UPDATE ON request_threads
  FOR EACH ROW WHEN (
    OLD.merged_into IS DISTINCT FROM NEW.merged_into OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.category IS DISTINCT FROM NEW.category OR OLD.channel IS DISTINCT FROM NEW.channel
    OR OLD.language IS DISTINCT FROM NEW.language
    OR OLD.detected_language IS DISTINCT FROM NEW.detected_language
    OR OLD.urgency IS DISTINCT FROM NEW.urgency OR OLD.awaiting_reply IS DISTINCT FROM NEW.awaiting_reply
    OR (OLD.assignee_id IS NULL) <> (NEW.assignee_id IS NULL)
    OR (OLD.closed_at IS NULL) <> (NEW.closed_at IS NULL) OR OLD.tags IS DISTINCT FROM NEW.tags)
  EXECUTE FUNCTION queue_counts_track();

-- Recounts everything from request_threads (after a bulk load with the triggers disabled). Takes a
-- SHARE lock on request_threads so that no write falls between the count and the emptied deltas.
CREATE FUNCTION queue_counts_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE request_threads IN SHARE MODE;
  DELETE FROM queue_count_deltas;
  DELETE FROM queue_counts;
  INSERT INTO queue_counts (tag, ${DIMS}, n)
  SELECT t.tag, ${DIMS}, count(*)
  FROM (
    SELECT status, category, channel, language,
      CASE WHEN detected_language IS NULL OR detected_language = language THEN '' ELSE detected_language END
        AS detected_language,
      urgency, awaiting_reply AND status NOT IN ${CLOSED} AS awaiting_reply,
      assignee_id IS NULL AND status NOT IN ${CLOSED} AS unassigned,
      awaiting_reply AND closed_at IS NULL AS sla_pending, tags
    FROM request_threads WHERE merged_into IS NULL
  ) r
  CROSS JOIN LATERAL (SELECT '' AS tag UNION SELECT x FROM unnest(r.tags) AS x WHERE x <> '') t
  GROUP BY t.tag, ${DIMS};
END $$;
SELECT queue_counts_rebuild();

-- The dashboard's sums per day and dimension, kept by the refresh with the rollup (~15 rows a day).
CREATE TABLE stats_daily_grouped (
  day date PRIMARY KEY,
  requests bigint NOT NULL,
  likely_fake bigint NOT NULL,
  verified bigint NOT NULL,
  meeting_agreed bigint NOT NULL,
  in_custody bigint NOT NULL,
  info_given bigint NOT NULL,
  probes bigint NOT NULL,
  first_response_count bigint NOT NULL,
  first_response_seconds numeric NOT NULL,
  by_channel jsonb NOT NULL,
  by_category jsonb NOT NULL,
  by_language jsonb NOT NULL
);
${groupedFill('')};

CREATE TABLE stats_workload_daily (
  day date NOT NULL,
  actor_id uuid NOT NULL,
  replies integer NOT NULL,
  PRIMARY KEY (day, actor_id)
);
INSERT INTO stats_workload_daily (day, actor_id, replies)
SELECT (at AT TIME ZONE 'UTC')::date, actor_id, count(*) FROM audit_log
WHERE action = 'request.reply' AND actor_id IS NOT NULL
GROUP BY 1, 2;
`;
