import { z } from 'zod';

/**
 * What GET /api/stats/dashboard answers (the API contract; the console takes its types from here).
 * Zod only: the console imports it.
 */

export const ZDayCount = z.object({ day: z.string(), count: z.number() });

/** Totals over the range and one row per day (every day; a key with no requests that day is left out). */
export const ZStatsBreakdown = z.object({
  totals: z.record(z.string(), z.number()),
  perDay: z.array(z.object({ day: z.string() }).catchall(z.number())),
});

export const ZStatsSpike = z.object({
  day: z.string(),
  count: z.number(),
  baseline: z.number(),
  score: z.number(),
});

export const ZStatsAnnotation = z.object({ id: z.string(), day: z.string(), label: z.string() });

export const ZStatsDashboard = z.object({
  from: z.string(),
  to: z.string(),
  series: z.array(ZDayCount),
  byChannel: ZStatsBreakdown,
  byCategory: ZStatsBreakdown,
  byLanguage: ZStatsBreakdown,
  outcomes: z.object({
    inCustody: z.number(),
    infoGiven: z.number(),
    probes: z.number(),
    likelyFake: z.number(),
  }),
  funnel: z.object({
    contacted: z.number(),
    verified: z.number(),
    meetingAgreed: z.number(),
    inCustody: z.number(),
  }),
  firstResponse: z.object({ answered: z.number(), meanMinutes: z.number().nullable() }),
  workload: z.array(z.object({ operatorId: z.string(), operator: z.string(), replies: z.number() })),
  spikes: z.array(ZStatsSpike),
  annotations: z.array(ZStatsAnnotation),
});

export type DayCount = z.infer<typeof ZDayCount>;
export type StatsBreakdown = z.infer<typeof ZStatsBreakdown>;
export type StatsSpike = z.infer<typeof ZStatsSpike>;
export type StatsAnnotation = z.infer<typeof ZStatsAnnotation>;
export type StatsDashboard = z.infer<typeof ZStatsDashboard>;

// ---- what the statistics routes take

/** A day, YYYY-MM-DD. */
export const ZDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** The body of POST /api/stats/refresh; the dashboard takes the same two days as query parameters. */
export const ZStatsRange = z.object({ from: ZDate, to: ZDate });
export type StatsRange = z.input<typeof ZStatsRange>;
