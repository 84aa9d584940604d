import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { CALLER_CATEGORIES, CHANNELS } from '../cases/categories.ts';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { layout } from '../http/page-layout.ts';
import { ZError } from '../http/schemas.ts';
import { type Language, type MessageKey, negotiateLanguage, t } from '../i18n/i18n.ts';
import { html, type SafeHtml } from '../lib/html.ts';
import { ZDate, ZStatsDashboard, ZStatsRange } from './stats.schemas.ts';
import type { StatsService } from './stats.service.ts';

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

/**
 * A bar chart as inline SVG: no script, no external resource, readable in Tor Browser's safest mode.
 * Labelled (issue #15): the weeks under the bars, each value above its bar, the scale at the left;
 * it shrinks with the screen, so a phone never scrolls sideways. The table below holds every figure.
 */
function svgBars(points: Array<{ label: string; value: number | '<10' }>, title: string) {
  const w = 640;
  const h = 180;
  const top = 24;
  const left = 36;
  const max = Math.max(10, ...points.map((p) => (typeof p.value === 'number' ? p.value : 0)));
  const bw = (w - left) / Math.max(1, points.length);
  // Every week is labelled when there is room, else every other one (twelve weeks on a phone).
  const every = points.length > 8 ? 2 : 1;
  const day = (iso: string) =>
    /^\d{4}-\d{2}-\d{2}/.test(iso) ? `${iso.slice(8, 10)}.${iso.slice(5, 7)}` : iso;
  return html`<figure class="chart"><figcaption>${title}</figcaption>
<svg role="img" aria-label="${title}" viewBox="0 0 ${w} ${top + h + 30}" preserveAspectRatio="xMidYMid meet">
<text x="${left - 6}" y="${top + 6}" text-anchor="end" font-size="16" fill="#333">${String(max)}</text>
<text x="${left - 6}" y="${top + h}" text-anchor="end" font-size="16" fill="#333">0</text>
${points.map((p, i) => {
  const v = typeof p.value === 'number' ? p.value : 5;
  const bh = Math.round((v / max) * h);
  const x = Math.round(left + i * bw + 2);
  const bwid = Math.max(1, Math.round(bw - 4));
  const cx = Math.round(x + bwid / 2);
  return html`<rect x="${x}" y="${top + h - bh}" width="${bwid}" height="${bh}" fill="${typeof p.value === 'number' ? '#0b4fa1' : '#6b7a90'}"><title>${p.label}: ${String(p.value)}</title></rect>
<text x="${cx}" y="${top + h - bh - 5}" text-anchor="middle" font-size="16" fill="#222">${String(p.value)}</text>${
    i % every === 0
      ? html`<text x="${cx}" y="${top + h + 22}" text-anchor="middle" font-size="16" fill="#333">${day(p.label)}</text>`
      : ''
  }`;
})}
<line x1="${left}" y1="${top + h}" x2="${w}" y2="${top + h}" stroke="#555"/>
</svg></figure>`;
}

/** A wide table scrolls inside its own box (reachable by keyboard), never the whole page. */
function scrollBox(label: string, table: SafeHtml) {
  return html`<div class="table-scroll" role="region" aria-label="${label}" tabindex="0">${table}</div>`;
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
        body: ZStatsRange,
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
${scrollBox(
  t(lang, 'stats.chart'),
  html`<table class="stats">
<thead><tr><th scope="col">${t(lang, 'stats.week')}</th><th scope="col">${t(lang, 'stats.requests')}</th><th scope="col">${t(lang, 'stats.custody')}</th>
${CHANNELS.map((c) => html`<th scope="col">${t(lang, `stats.channel.${c}` as MessageKey)}</th>`)}</tr></thead>
<tbody>${weeks.map(
    (w) =>
      html`<tr><th scope="row">${w.week}</th><td>${String(w.total)}</td><td>${String(w.inCustody)}</td>${CHANNELS.map(
        (c) => html`<td>${String(w.byChannel[c] ?? '<10')}</td>`,
      )}</tr>`,
  )}</tbody>
</table>`,
)}
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
