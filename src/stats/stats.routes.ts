import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { CALLER_CATEGORIES, CHANNELS } from '../cases/categories.ts';
import { layout } from '../channels/web/web.pages.ts';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { ZError } from '../http/schemas.ts';
import { type Language, type MessageKey, negotiateLanguage, t } from '../i18n/i18n.ts';
import { html } from '../lib/html.ts';
import { ZStatsDashboard } from './stats.schemas.ts';
import type { StatsService } from './stats.service.ts';

const ZDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

function range(q: { from?: string | undefined; to?: string | undefined }, clock: Clock) {
  const to = q.to ?? clock.now().toISOString().slice(0, 10);
  const from =
    q.from ?? new Date(new Date(`${to}T00:00:00Z`).getTime() - 89 * 86_400_000).toISOString().slice(0, 10);
  if (from > to) throw new AppError('validation_failed', '`from` is after `to`');
  if (
    new Date(`${to}T00:00:00Z`).getTime() - new Date(`${from}T00:00:00Z`).getTime() >
    3 * 366 * 86_400_000
  ) {
    throw new AppError('validation_failed', 'At most three years at once');
  }
  return { from, to };
}

/** A bar chart as inline SVG: no script, no external resource, readable in Tor Browser's safest mode. */
function svgBars(points: Array<{ label: string; value: number | '<10' }>, title: string) {
  const w = 640;
  const h = 180;
  const max = Math.max(10, ...points.map((p) => (typeof p.value === 'number' ? p.value : 0)));
  const bw = w / Math.max(1, points.length);
  return html`<svg role="img" aria-label="${title}" viewBox="0 0 ${w} ${h + 20}" width="100%" height="220">
${points.map((p, i) => {
  const v = typeof p.value === 'number' ? p.value : 5;
  const bh = Math.round((v / max) * h);
  return html`<rect x="${Math.round(i * bw + 2)}" y="${h - bh}" width="${Math.max(1, Math.round(bw - 4))}" height="${bh}" fill="${typeof p.value === 'number' ? '#0b4fa1' : '#9aa9bd'}"><title>${p.label}: ${String(p.value)}</title></rect>`;
})}
<line x1="0" y1="${h}" x2="${w}" y2="${h}" stroke="#555"/>
</svg>`;
}

export function registerStatsRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; stats: StatsService; clock: Clock },
): void {
  const { stats, sessions, clock } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/stats/dashboard',
    {
      preValidation: requireSession(sessions, 'stats.read'),
      schema: {
        tags: ['statistics'],
        summary:
          'Dashboard: daily series by channel/category/language, outcomes, funnel, first response, workload, spikes, annotations',
        querystring: z.object({ from: ZDate.optional(), to: ZDate.optional() }),
        response: { 200: ZStatsDashboard, 400: ZError },
      },
    },
    async (req) => stats.dashboard(range(req.query, clock)),
  );

  r.get(
    '/api/stats/export.csv',
    {
      preValidation: requireSession(sessions, 'stats.read'),
      schema: {
        tags: ['statistics'],
        summary: 'The daily rollup as CSV',
        querystring: z.object({ from: ZDate.optional(), to: ZDate.optional() }),
      },
    },
    async (req, reply) => {
      const q = range(req.query, clock);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="whiteflag-stats-${q.from}-${q.to}.csv"`)
        .send(await stats.csv(q));
    },
  );

  r.post(
    '/api/stats/annotations',
    {
      preValidation: requireSession(sessions, 'stats.annotate'),
      schema: {
        tags: ['statistics'],
        summary: 'Annotate a day (e.g. "mobilisation decree")',
        body: z.object({ day: ZDate, label: z.string().trim().min(1).max(200) }),
        response: { 201: z.object({ id: z.string(), day: z.string(), label: z.string() }), 400: ZError },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await stats.annotate(req.session!.user.id, req.body.day, req.body.label)),
  );

  r.delete(
    '/api/stats/annotations/:id',
    {
      preValidation: requireSession(sessions, 'stats.annotate'),
      schema: {
        tags: ['statistics'],
        summary: 'Remove an annotation',
        params: z.object({ id: z.string().uuid() }),
        response: { 204: z.null(), 404: ZError },
      },
    },
    async (req, reply) => {
      await stats.removeAnnotation(req.session!.user.id, req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/stats/refresh',
    {
      preValidation: requireSession(sessions, 'stats.annotate'),
      schema: {
        tags: ['statistics'],
        summary: 'Recompute the rollup for a range now (it is refreshed every ten minutes anyway)',
        body: z.object({ from: ZDate, to: ZDate }),
        response: { 200: z.object({ rows: z.number() }) },
      },
    },
    async (req) => {
      const q = range(req.body, clock);
      return { rows: await stats.refresh(q.from, q.to) };
    },
  );

  app.get('/stats', async (req: FastifyRequest, reply: FastifyReply) => {
    const lang: Language = negotiateLanguage(
      (req.query as Record<string, unknown> | undefined)?.lang,
      req.headers['accept-language'],
    );
    const weeks = await stats.publicWeekly(12);
    const body = html`<h1>${t(lang, 'stats.heading')}</h1>
<p>${t(lang, 'stats.intro')}</p>
${svgBars(
  weeks.map((w) => ({ label: w.week, value: w.total })),
  t(lang, 'stats.chart'),
)}
<table class="stats">
<thead><tr><th scope="col">${t(lang, 'stats.week')}</th><th scope="col">${t(lang, 'stats.requests')}</th><th scope="col">${t(lang, 'stats.custody')}</th>
${CHANNELS.map((c) => html`<th scope="col">${t(lang, `stats.channel.${c}` as MessageKey)}</th>`)}</tr></thead>
<tbody>${weeks.map(
      (w) =>
        html`<tr><th scope="row">${w.week}</th><td>${String(w.total)}</td><td>${String(w.inCustody)}</td>${CHANNELS.map(
          (c) => html`<td>${String(w.byChannel[c] ?? '<10')}</td>`,
        )}</tr>`,
    )}</tbody>
</table>
<h2>${t(lang, 'stats.by_category')}</h2>
<table class="stats"><tbody>${CALLER_CATEGORIES.map((c) => {
      const sum = weeks.reduce(
        (a, w) => a + (typeof w.byCategory[c] === 'number' ? (w.byCategory[c] as number) : 0),
        0,
      );
      return html`<tr><th scope="row">${t(lang, `form.category.${c}` as MessageKey)}</th><td>${String(sum < 10 ? '<10' : sum)}</td></tr>`;
    })}</tbody></table>
<p class="hint">${t(lang, 'stats.note')}</p>`;
    return reply.type('text/html; charset=utf-8').send(layout(lang, '/stats', body));
  });
}
