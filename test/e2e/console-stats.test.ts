import path from 'node:path';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uk } from '../../console/src/i18n/uk.ts';
import type { CaseState } from '../../src/cases/case-state.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { launchChromium } from '../browser.ts';
import {
  addUser,
  type ConsoleUser,
  consoleLogin,
  eventually,
  nextTotp,
  SCREENSHOTS_DIR,
  submitPublicRequest,
} from '../console-helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * The statistics dashboard and triage in a real Chromium against the hotline as it runs: forty
 * requests come in through the public form (a dozen of them one scripted template, which the scoring
 * sinks as likely fakes), spread over four weeks with a flood day; the rollup is recomputed through the
 * API; a supervisor opens Statistics and the charts draw the same numbers the API returns; an operator
 * confirms a likely fake as spam in the request view and its badge changes. The console speaks
 * Ukrainian by default: visible texts come from its catalogue.
 */
let server: ServerProcess;
let browser: Browser;
let admin: ConsoleUser;
let supervisor: ConsoleUser;
let operator: ConsoleUser;
const contexts: BrowserContext[] = [];
const pageProblems: string[] = [];

/** Varied, real-sounding requests (different enough that no text rule fires). */
const GENUINE: Array<{ lang: 'ru' | 'uk' | 'en'; category: string; message: string }> = [
  {
    lang: 'ru',
    category: 'serviceman_war_zone',
    message: 'Я под Авдеевкой, хочу сдаться, как это сделать безопасно?',
  },
  {
    lang: 'ru',
    category: 'mobilized_home',
    message: 'Получил повестку в Курске, пока дома. Что мне делать дальше?',
  },
  { lang: 'ru', category: 'relative', message: 'Муж служит под Бахмутом, просит узнать, как перейти к вам.' },
  {
    lang: 'uk',
    category: 'other',
    message: 'Мій знайомий з Донецька хоче перейти. Як йому написати безпечно?',
  },
  {
    lang: 'ru',
    category: 'serviceman_war_zone',
    message: 'Ранен в ногу, сидим в посадке у Работино, нас двое.',
  },
  {
    lang: 'ru',
    category: 'occupied_resident',
    message: 'Живу в Бердянске, соседа забрали по мобилизации, он готов сдаться.',
  },
  {
    lang: 'ru',
    category: 'just_checking',
    message: 'Проверяю, отвечаете ли вы вообще. Напишите что-нибудь.',
  },
  {
    lang: 'en',
    category: 'relative',
    message: 'My cousin was mobilized in Buryatia and wants to surrender. How can he reach you?',
  },
  {
    lang: 'ru',
    category: 'mobilized_home',
    message: 'Мне сорок пять, пришла повестка. Есть ли смысл писать заранее?',
  },
  {
    lang: 'ru',
    category: 'serviceman_war_zone',
    message: 'Стоим у Кременной, связь плохая, ночью попробую выйти с белой тряпкой.',
  },
  {
    lang: 'ru',
    category: 'relative',
    message: 'Брат в Херсонской области на том берегу, телефон у него отобрали.',
  },
  { lang: 'ru', category: 'just_checking', message: 'А если я напишу, меня не вычислят? Боюсь за семью.' },
  { lang: 'uk', category: 'relative', message: 'Син моєї сусідки в полоні? Як дізнатися, чи він живий?' },
  {
    lang: 'ru',
    category: 'serviceman_war_zone',
    message: 'Контрактник, пятый месяц на Запорожском направлении, хочу домой живым.',
  },
  {
    lang: 'ru',
    category: 'mobilized_home',
    message: 'Нас везут в учебку под Ростовом, через неделю на фронт. Подскажите.',
  },
  {
    lang: 'ru',
    category: 'occupied_resident',
    message: 'Я из Мариуполя, у знакомого сын в штурмовом отряде, он ищет выход.',
  },
  {
    lang: 'ru',
    category: 'other',
    message: 'Журналист, хочу понять, как работает ваша линия. Кому задать вопросы?',
  },
  {
    lang: 'ru',
    category: 'serviceman_war_zone',
    message: 'Артиллерист, стоим в лесополосе. Командир бьёт, кормят плохо. Помогите.',
  },
  {
    lang: 'en',
    category: 'other',
    message: 'Is there a way to send you a voice message instead of writing?',
  },
  {
    lang: 'ru',
    category: 'relative',
    message: 'Отец пропал под Угледаром в марте. Может, он у вас в плену?',
  },
  {
    lang: 'ru',
    category: 'mobilized_home',
    message: 'Работаю в Якутии вахтой, боюсь, что заберут прямо с работы.',
  },
  {
    lang: 'uk',
    category: 'just_checking',
    message: 'Чи правда, що полонених міняють? Хочу розповісти другові.',
  },
  {
    lang: 'ru',
    category: 'serviceman_war_zone',
    message: 'Связист, нас трое из одной роты, готовы выйти вместе, когда скажете.',
  },
  {
    lang: 'ru',
    category: 'occupied_resident',
    message: 'Под Токмаком блокпосты каждые пять километров. Как добраться до линии?',
  },
  {
    lang: 'ru',
    category: 'relative',
    message: 'Племянник пишет редко, просил узнать про гарантии для пленных.',
  },
  {
    lang: 'ru',
    category: 'mobilized_home',
    message: 'Студент, отсрочку отменили. Можно ли сдаться сразу после отправки?',
  },
  {
    lang: 'ru',
    category: 'serviceman_war_zone',
    message: 'Водитель, вожу боеприпасы к Волновахе. Когда удобно связаться ночью?',
  },
  {
    lang: 'en',
    category: 'relative',
    message: 'My brother-in-law is near Svatove and asked me to contact you on his behalf.',
  },
];
/** A scripted flood: one text, over and over (the template rule sinks it). */
const TEMPLATE = {
  lang: 'ru',
  category: 'serviceman_war_zone',
  message: 'Здравствуйте я хочу сдаться в плен пожалуйста помогите мне срочно ответьте',
} as const;
const TEMPLATE_COPIES = 12;
const SPIKE_DAYS_AGO = 3;
/** Genuine requests answered (and some moved along the funnel) before the tests. */
const ANSWERED = 8;

const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
const RANGE = { from: day(89), to: day(0) };

interface Dashboard {
  series: Array<{ day: string; count: number }>;
  spikes: Array<{ day: string; count: number }>;
  funnel: { contacted: number };
  outcomes: { likelyFake: number };
}

async function consolePage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'uk-UA' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageProblems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
      pageProblems.push(`console: ${m.text()}`);
  });
  await page.goto(`${server.url}/console/`);
  return page;
}

/** The bits of a <canvas> read here (the test code has no DOM typings). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** Pixels a canvas has drawn (not transparent): a chart that rendered nothing has none. */
function paintedPixels(page: Page, testId: string): Promise<number> {
  return page
    .getByTestId(testId)
    .locator('canvas')
    .first()
    .evaluate((el) => {
      const c = el as unknown as CanvasLike;
      if (c.width === 0 || c.height === 0) return 0;
      const px = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      if (px) for (let i = 3; i < px.length; i += 4) if ((px[i] ?? 0) > 0) n++;
      return n;
    });
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  admin = await addUser(server, 'admin@example.org', 'admin', 'admin stats password');
  const grantBy = { email: admin.email, password: admin.password };
  [supervisor, operator] = await Promise.all([
    addUser(server, 'supervisor@example.org', 'supervisor', 'supervisor stats password', grantBy),
    addUser(server, 'operator@example.org', 'operator', 'operator stats password', grantBy),
  ]);

  // Forty requests through the public form, as requesters without JavaScript send them.
  for (const g of GENUINE) await submitPublicRequest(server.url, g);
  for (let i = 0; i < TEMPLATE_COPIES; i++) await submitPublicRequest(server.url, TEMPLATE);

  const api = await apiLogin(server.url, admin.email, admin.password, await nextTotp(admin));
  // Once the template is recognised, its earlier copies are raised too (asynchronously).
  const fakes = await eventually(
    async () =>
      ((await (await api.get('/api/requests?likelyFake=true&limit=100')).json()) as { items: unknown[] })
        .items.length,
    (n) => n === TEMPLATE_COPIES,
  );
  expect(fakes).toBe(TEMPLATE_COPIES);

  // Some work on the genuine ones: replies (workload, first response) and cases moving along the funnel.
  const genuine = (
    (await (await api.get('/api/requests?likelyFake=false&limit=100')).json()) as {
      items: Array<{ id: string }>;
    }
  ).items.map((i) => i.id);
  const FUNNEL: CaseState[][] = [
    ['verified', 'meeting_agreed', 'in_progress', 'in_custody'],
    ['verified', 'meeting_agreed'],
    ['verified'],
    ['verified'],
    ['closed_info_given'],
  ];
  for (const [i, id] of genuine.slice(0, ANSWERED).entries()) {
    const reply = await api.post(`/api/requests/${id}/replies`, { body: 'Здравствуйте, мы на связи.' });
    expect(reply.status).toBe(201);
    for (const status of FUNNEL[i] ?? []) {
      const r = await api.post(`/api/requests/${id}/status`, { status });
      expect(r.status, await r.clone().text()).toBe(200);
    }
  }

  // Four weeks of history: the genuine requests one a day or so, the flood all on one day.
  const db = await startEmbeddedPostgres(server.dataDir); // the server's own, already running
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const { rows } = await client.query<{ id: string; sunk: boolean }>(
    'SELECT id, sunk FROM request_threads ORDER BY created_at',
  );
  let n = 0;
  for (const r of rows) {
    const ago = r.sunk ? SPIKE_DAYS_AGO : 1 + (n++ % 27);
    await client.query(
      `UPDATE request_threads SET created_at = created_at - make_interval(days => $2),
         last_requester_at = last_requester_at - make_interval(days => $2), updated_at = updated_at - make_interval(days => $2),
         first_response_at = first_response_at - make_interval(days => $2)
       WHERE id = $1`,
      [r.id, ago],
    );
  }
  await client.end();

  const refreshed = await api.post('/api/stats/refresh', RANGE);
  expect(refreshed.status, await refreshed.clone().text()).toBe(200);
  const note = await api.post('/api/stats/annotations', {
    day: day(SPIKE_DAYS_AGO),
    label: 'Указ о мобилизации',
  });
  expect(note.status).toBe(201);
}, 120_000);

afterEach(() => {
  expect(pageProblems.splice(0)).toEqual([]);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.cleanup();
});

describe('statistics and triage in the console', () => {
  it('a supervisor sees the dashboard drawn from the rollup, with the flood day flagged as a spike', async () => {
    const api = await apiLogin(server.url, supervisor.email, supervisor.password, await nextTotp(supervisor));
    const res = await api.get(`/api/stats/dashboard?from=${RANGE.from}&to=${RANGE.to}`);
    expect(res.status).toBe(200);
    const dash = (await res.json()) as Dashboard;
    const total = dash.series.reduce((a, p) => a + p.count, 0);
    expect(total).toBe(GENUINE.length + TEMPLATE_COPIES);
    expect(dash.outcomes.likelyFake).toBe(TEMPLATE_COPIES);
    expect(dash.spikes.map((s) => s.day)).toContain(day(SPIKE_DAYS_AGO));

    const page = await consolePage();
    await consoleLogin(page, server.url, supervisor);
    await page.getByRole('link', { name: uk.nav.stats }).click();
    await page.waitForURL('**/console/stats');
    await page.getByRole('heading', { level: 1, name: uk.stats.title }).waitFor();

    // The headline number is the API's series sum; the charts drew something.
    await page
      .getByTestId('stats-total')
      .filter({ hasText: String(total) })
      .waitFor();
    for (const chart of ['stats-chart-daily', 'stats-chart-breakdown', 'stats-chart-funnel']) {
      await page.getByTestId(chart).locator('canvas').first().waitFor();
      expect(await page.getByTestId(chart).getAttribute('data-state')).toBe('ready');
      await expect.poll(() => paintedPixels(page, chart), { timeout: 5000 }).toBeGreaterThan(500);
    }
    expect(await page.getByTestId('stats-likely-fake').textContent()).toBe(String(TEMPLATE_COPIES));

    // The spike table lists the flood day with the admin's note.
    const spikes = page.getByTestId('stats-spikes');
    expect(await spikes.getAttribute('data-count')).toBe(String(dash.spikes.length));
    await spikes.getByTestId('stats-spike-row').filter({ hasText: 'Указ о мобилизации' }).waitFor();
    await page.getByTestId('stats-annotation').filter({ hasText: 'Указ о мобилизации' }).waitFor();

    // Split by category instead of channel: the chart redraws.
    await page.getByTestId('stats-breakdown-dimension').getByText(uk.stats.breakdown.category).click();
    await expect.poll(() => paintedPixels(page, 'stats-chart-breakdown')).toBeGreaterThan(500);

    // A supervisor reads, exports, but does not annotate or recompute (admins do).
    expect(await page.getByTestId('stats-refresh').count()).toBe(0);
    expect(await page.getByTestId('annotation-add').count()).toBe(0);
    const href = await page.getByTestId('stats-export').getAttribute('href');
    expect(href).toBe(`/api/stats/export.csv?from=${RANGE.from}&to=${RANGE.to}`);
    const csv = await page.request.get(`${server.url}${href}`);
    expect(csv.status()).toBe(200);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^day,channel,category,language,requests,/);
    const csvTotal = lines.slice(1).reduce((a, l) => a + Number(l.split(',')[4]), 0);
    expect(csvTotal).toBe(total);

    if (process.env.WHITEFLAG_SCREENSHOTS) {
      await page.waitForTimeout(400); // chart animations
      await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'console-stats.png'), fullPage: true });
    }
  });

  it('an operator confirms a likely fake as spam in the request view, and its badge changes', async () => {
    const page = await consolePage();
    await consoleLogin(page, server.url, operator);
    await page.getByTestId('queue-table').waitFor();

    // The likely fakes sink: every one of them sits below every genuine request.
    const flags = await page
      .locator('[data-testid^="queue-row-"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-likely-fake') === 'true'));
    // (The "waiting" view: the requests answered in the set-up are not waiting any more.)
    const waitingGenuine = GENUINE.length - ANSWERED;
    expect(flags).toHaveLength(waitingGenuine + TEMPLATE_COPIES);
    expect(flags.indexOf(true)).toBe(waitingGenuine);
    expect(flags.slice(waitingGenuine).every(Boolean)).toBe(true);

    const fakeRow = page.locator('[data-likely-fake="true"]').first();
    const badge = fakeRow.getByTestId('spam-badge');
    const score = Number(await badge.getAttribute('data-score'));
    expect(score).toBeGreaterThanOrEqual(60);
    expect(await badge.locator('[aria-hidden="true"]').textContent()).toBe(
      uk.triage.badge.replace('{{score}}', String(score)),
    );
    // The reasons, in words, are there for screen readers (and in the tooltip on hover).
    expect(await badge.textContent()).toContain(uk.triage.reasons['template-text']);
    const id = ((await fakeRow.getAttribute('data-testid')) ?? '').slice('queue-row-'.length);

    await fakeRow.getByRole('link').click();
    await page.waitForURL(`**/console/requests/${id}`);
    const panel = page.getByTestId('triage-panel');
    await panel.waitFor();
    expect(await panel.getByTestId('triage-verdict').textContent()).toBe(uk.triage.verdictNone);
    await panel.getByTestId('triage-reasons').getByText(uk.triage.reasons['template-text']).waitFor();

    await page.getByTestId('triage-spam').click();
    await page.getByTestId('triage-reason').fill('Один и тот же текст, сотня аккаунтов');
    await page.getByTestId('triage-spam-submit').click();
    await page.locator('[data-testid="triage-panel"][data-verdict="spam"]').waitFor();
    expect(await panel.getByTestId('triage-verdict').textContent()).toBe(uk.triage.verdictSpam);
    const headerBadge = page.locator('[data-testid="spam-badge"][data-verdict="spam"]').first();
    expect(await headerBadge.locator('[aria-hidden="true"]').textContent()).toBe(uk.triage.badgeSpam);
    expect(await page.getByTestId('triage-spam').isDisabled()).toBe(true);

    // The server recorded it; back in the queue the row shows the verdict.
    const api = await apiLogin(server.url, supervisor.email, supervisor.password, await nextTotp(supervisor));
    const detail = (await (await api.get(`/api/requests/${id}`)).json()) as {
      request: { triageVerdict: string; spamReasons: string[] };
    };
    expect(detail.request.triageVerdict).toBe('spam');
    expect(detail.request.spamReasons).toContain('operator-confirmed');
    await page.getByRole('link', { name: uk.request.back }).click();
    await page
      .getByTestId(`queue-row-${id}`)
      .locator('[data-testid="spam-badge"][data-verdict="spam"]')
      .waitFor();

    // "Only likely fakes" leaves just those.
    await page.getByRole('button', { name: uk.queue.filters.title, exact: true }).click();
    await page.getByTestId('filter-fakes').click();
    await page.getByRole('option', { name: uk.queue.filters.fakesOnly }).click();
    await expect.poll(() => page.locator('[data-testid^="queue-row-"]').count()).toBe(TEMPLATE_COPIES);
    expect(await page.locator('[data-testid^="queue-row-"]:not([data-likely-fake="true"])').count()).toBe(0);
  });
});
