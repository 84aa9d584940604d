import type { TFunction } from 'i18next';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CALLER_CATEGORIES as CATEGORIES, CHANNELS } from '../../../src/cases/categories.ts';
import type { StatsBreakdown, StatsDashboard } from '../../../src/stats/stats.schemas.ts';
import { languageName } from '../lib/labels.ts';
import { formatDay, formatNumber, movingAverage, percent } from '../lib/stats.ts';
import { CHART_COLORS, type ChartOption, EChart, RICH_TOOLTIP } from './echart.tsx';

/** What ECharts hands a tooltip formatter (the parts used here). */
interface TipParam {
  name?: string;
  axisValue?: string | number;
  seriesName?: string;
  value?: unknown;
  dataIndex?: number;
  percent?: number;
}
const tipParams = (p: unknown): TipParam[] => (Array.isArray(p) ? (p as TipParam[]) : [p as TipParam]);
const numberOf = (v: unknown): number =>
  typeof v === 'number' ? v : Array.isArray(v) && typeof v[1] === 'number' ? v[1] : Number(v) || 0;

export type DailyMode = 'bar' | 'line';

/** Long ranges get a zoom slider under the axis. */
const ZOOM_FROM_DAYS = 95;

export function DailyChart({
  data,
  mode,
  onPickDay,
}: {
  data: StatsDashboard;
  mode: DailyMode;
  onPickDay?: (day: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const option = useMemo<ChartOption>(() => {
    const days = data.series.map((p) => p.day);
    const counts = data.series.map((p) => p.count);
    const avg = movingAverage(counts, 7);
    const spikes = new Map(data.spikes.map((s) => [s.day, s]));
    const notes = new Map<string, string[]>();
    for (const a of data.annotations) notes.set(a.day, [...(notes.get(a.day) ?? []), a.label]);
    const zoom = days.length > ZOOM_FROM_DAYS;
    const requests = t('stats.daily.requests');
    const avgName = t('stats.daily.avg7');
    return {
      grid: { left: 8, right: 24, top: 40, bottom: zoom ? 52 : 8, containLabel: true },
      legend: { top: 0, left: 0, data: [requests, avgName], itemGap: 16 },
      tooltip: {
        ...RICH_TOOLTIP,
        trigger: 'axis',
        axisPointer: { type: mode === 'bar' ? 'shadow' : 'line' },
        formatter: (p: unknown) => {
          const list = tipParams(p);
          const day = String(list[0]?.axisValue ?? list[0]?.name ?? '');
          const lines = [formatDay(day, lang, true)];
          for (const item of list)
            lines.push(`${item.seriesName}: ${formatNumber(numberOf(item.value), lang)}`);
          const spike = spikes.get(day);
          if (spike)
            lines.push(
              `⚠ ${t('stats.daily.spikeDetail', { baseline: formatNumber(spike.baseline, lang), score: formatNumber(spike.score, lang) })}`,
            );
          for (const label of notes.get(day) ?? []) lines.push(`✎ ${t('stats.daily.note', { label })}`);
          return lines.join('\n');
        },
      },
      xAxis: {
        type: 'category',
        data: days,
        boundaryGap: mode === 'bar',
        axisLabel: { formatter: (v: string) => formatDay(v, lang), hideOverlap: true },
        axisTick: { alignWithLabel: true },
      },
      yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#e9ecef' } } },
      dataZoom: zoom
        ? [
            {
              type: 'slider',
              bottom: 8,
              height: 22,
              labelFormatter: (_i: number, v: string) => formatDay(v, lang),
            },
            { type: 'inside', zoomOnMouseWheel: 'shift', moveOnMouseWheel: false },
          ]
        : [],
      series: [
        {
          name: requests,
          type: mode,
          data: counts.map((c, i) =>
            spikes.has(days[i] ?? '') ? { value: c, itemStyle: { color: CHART_COLORS.red } } : c,
          ),
          itemStyle: { color: CHART_COLORS.blue },
          ...(mode === 'bar'
            ? { barMaxWidth: 28, barCategoryGap: '20%' }
            : { showSymbol: days.length <= 62, symbolSize: 5, areaStyle: { opacity: 0.12 } }),
          markPoint: {
            symbol: 'pin',
            symbolSize: 38,
            itemStyle: { color: CHART_COLORS.red },
            label: { color: '#fff', fontSize: 10, formatter: '{c}' },
            tooltip: { show: false },
            data: data.spikes.map((s) => ({
              name: t('stats.daily.spike'),
              coord: [s.day, s.count],
              value: s.count,
            })),
          },
          markLine: {
            symbol: ['none', 'none'],
            silent: false,
            animation: false,
            lineStyle: { color: '#9c36b5', type: 'dashed', width: 2 },
            label: { show: false },
            // The label appears when the line is hovered (and in the day's tooltip).
            emphasis: {
              label: {
                show: true,
                position: 'insideEndTop',
                formatter: '{b}',
                color: '#862e9c',
                fontWeight: 'bold',
                backgroundColor: '#fff',
                padding: [2, 4],
              },
              lineStyle: { width: 2.5 },
            },
            tooltip: { show: false },
            data: data.annotations.map((a) => ({ name: a.label, xAxis: a.day })),
          },
        },
        {
          name: avgName,
          type: 'line',
          data: avg,
          smooth: true,
          showSymbol: false,
          lineStyle: { width: 2, color: CHART_COLORS.orange },
          itemStyle: { color: CHART_COLORS.orange },
          z: 3,
        },
      ],
    };
  }, [data, mode, t, lang]);
  const total = data.series.reduce((a, p) => a + p.count, 0);
  return (
    <EChart
      option={option}
      size="lg"
      label={t('stats.daily.aria', {
        from: formatDay(data.from, lang, true),
        to: formatDay(data.to, lang, true),
        total,
        spikes: data.spikes.length,
      })}
      onAxisClick={
        onPickDay
          ? (i: number) => {
              const day = data.series[i]?.day;
              if (day) onPickDay(day);
            }
          : undefined
      }
    />
  );
}

export type BreakdownDimension = 'channel' | 'category' | 'language';

const DIMENSION_COLORS: Record<BreakdownDimension, Record<string, string>> = {
  channel: {
    web: CHART_COLORS.blue,
    telegram: CHART_COLORS.cyan,
    whatsapp: CHART_COLORS.green,
    sms: CHART_COLORS.orange,
    voice: CHART_COLORS.grape,
  },
  category: {
    serviceman_war_zone: CHART_COLORS.red,
    mobilized_home: CHART_COLORS.orange,
    relative: CHART_COLORS.violet,
    occupied_resident: CHART_COLORS.teal,
    just_checking: CHART_COLORS.gray,
    other: CHART_COLORS.indigo,
  },
  language: { ru: CHART_COLORS.indigo, uk: CHART_COLORS.yellow, en: CHART_COLORS.teal },
};
const FALLBACK_COLORS = [CHART_COLORS.pink, CHART_COLORS.lime, CHART_COLORS.dark, CHART_COLORS.cyan];

export function breakdownOf(data: StatsDashboard, d: BreakdownDimension): StatsBreakdown {
  return d === 'channel' ? data.byChannel : d === 'category' ? data.byCategory : data.byLanguage;
}

/** Keys with requests in the range, biggest first. */
export function breakdownKeys(b: StatsBreakdown): string[] {
  return Object.entries(b.totals)
    .filter(([, n]) => n > 0)
    .sort((a, z) => z[1] - a[1])
    .map(([k]) => k);
}

export function dimensionLabel(t: TFunction, d: BreakdownDimension, key: string): string {
  if (d === 'channel' && (CHANNELS as readonly string[]).includes(key))
    return t(`channel.${key as (typeof CHANNELS)[number]}`);
  if (d === 'category' && (CATEGORIES as readonly string[]).includes(key))
    return t(`category.${key as (typeof CATEGORIES)[number]}`);
  if (d === 'language') return languageName(t, key);
  return key;
}

export function BreakdownChart({ data, dimension }: { data: StatsDashboard; dimension: BreakdownDimension }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const b = breakdownOf(data, dimension);
  const keys = breakdownKeys(b);
  const labelOf = (k: string) => dimensionLabel(t, dimension, k);
  const option = useMemo<ChartOption>(() => {
    const b = breakdownOf(data, dimension);
    const keys = breakdownKeys(b);
    const days = b.perDay.map((r) => r.day);
    let fallback = 0;
    const colorOf = (k: string) =>
      DIMENSION_COLORS[dimension][k] ?? FALLBACK_COLORS[fallback++ % FALLBACK_COLORS.length];
    const zoom = days.length > ZOOM_FROM_DAYS;
    return {
      grid: { left: 8, right: 16, top: 40, bottom: zoom ? 52 : 8, containLabel: true },
      legend: { top: 0, left: 0, type: 'scroll' },
      tooltip: {
        ...RICH_TOOLTIP,
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (p: unknown) => {
          const list = tipParams(p);
          const day = String(list[0]?.axisValue ?? '');
          const rows = list.filter((i) => numberOf(i.value) > 0);
          const sum = rows.reduce((a, i) => a + numberOf(i.value), 0);
          return [
            formatDay(day, lang, true),
            ...rows.map((i) => `${i.seriesName}: ${numberOf(i.value)}`),
            `${t('stats.breakdown.total')}: ${sum}`,
          ].join('\n');
        },
      },
      xAxis: {
        type: 'category',
        data: days,
        axisLabel: { formatter: (v: string) => formatDay(v, lang), hideOverlap: true },
      },
      yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#e9ecef' } } },
      dataZoom: zoom
        ? [
            {
              type: 'slider',
              bottom: 8,
              height: 22,
              labelFormatter: (_i: number, v: string) => formatDay(v, lang),
            },
            { type: 'inside', zoomOnMouseWheel: 'shift', moveOnMouseWheel: false },
          ]
        : [],
      series: keys.map((k) => ({
        name: `${dimensionLabel(t, dimension, k)} (${b.totals[k] ?? 0})`,
        type: 'bar',
        stack: 'total',
        barMaxWidth: 28,
        emphasis: { focus: 'series' },
        itemStyle: { color: colorOf(k) },
        data: b.perDay.map((r) => Number(r[k] ?? 0)),
      })),
    };
  }, [data, dimension, t, lang]);
  return (
    <EChart
      option={option}
      size="md"
      label={t('stats.breakdown.aria', {
        dimension: t(`stats.breakdown.${dimension}`),
        totals: keys.map((k) => `${labelOf(k)} ${b.totals[k]}`).join(', '),
      })}
    />
  );
}

function outcomeRows(data: StatsDashboard) {
  return [
    { key: 'inCustody', value: data.outcomes.inCustody, color: CHART_COLORS.green },
    { key: 'infoGiven', value: data.outcomes.infoGiven, color: CHART_COLORS.blue },
    { key: 'probes', value: data.outcomes.probes, color: CHART_COLORS.dark },
    { key: 'likelyFake', value: data.outcomes.likelyFake, color: CHART_COLORS.red },
  ] as const;
}

export function OutcomesChart({ data }: { data: StatsDashboard }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const rows = outcomeRows(data);
  const option = useMemo<ChartOption>(() => {
    const rows = outcomeRows(data);
    const total = data.series.reduce((a, p) => a + p.count, 0);
    return {
      grid: { left: 8, right: 72, top: 8, bottom: 8, containLabel: true },
      tooltip: {
        ...RICH_TOOLTIP,
        trigger: 'item',
        formatter: (p: unknown) => {
          const i = tipParams(p)[0];
          return `${i?.name}: ${numberOf(i?.value)} (${percent(numberOf(i?.value), total, lang)})`;
        },
      },
      xAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#e9ecef' } } },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map((r) => t(`stats.outcomes.${r.key}`)),
        axisTick: { show: false },
      },
      series: [
        {
          type: 'bar',
          barMaxWidth: 26,
          data: rows.map((r) => ({ value: r.value, itemStyle: { color: r.color } })),
          label: {
            show: true,
            position: 'right',
            formatter: (p: unknown) => {
              const v = numberOf(tipParams(p)[0]?.value);
              return `${v} · ${percent(v, total, lang)}`;
            },
          },
        },
      ],
    };
  }, [data, t, lang]);
  return (
    <EChart
      option={option}
      size="sm"
      label={t('stats.outcomes.aria', {
        items: rows.map((r) => `${t(`stats.outcomes.${r.key}`)} ${r.value}`).join(', '),
      })}
    />
  );
}

function funnelStages(data: StatsDashboard) {
  const f = data.funnel;
  return [
    { key: 'contacted', value: f.contacted, color: CHART_COLORS.blue },
    { key: 'verified', value: f.verified, color: CHART_COLORS.teal },
    { key: 'meetingAgreed', value: f.meetingAgreed, color: CHART_COLORS.grape },
    { key: 'inCustody', value: f.inCustody, color: CHART_COLORS.green },
  ] as const;
}

export function FunnelChart({ data }: { data: StatsDashboard }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const stages = funnelStages(data);
  const option = useMemo<ChartOption>(() => {
    const f = data.funnel;
    const stages = funnelStages(data);
    return {
      tooltip: {
        ...RICH_TOOLTIP,
        trigger: 'item',
        formatter: (p: unknown) => {
          const i = tipParams(p)[0];
          return `${i?.name}: ${numberOf(i?.value)} (${percent(numberOf(i?.value), f.contacted, lang)})`;
        },
      },
      series: [
        {
          type: 'funnel',
          sort: 'none',
          left: 8,
          top: 8,
          bottom: 8,
          width: '52%',
          min: 0,
          max: Math.max(1, f.contacted),
          minSize: '2%',
          gap: 3,
          label: {
            show: true,
            position: 'right',
            color: '#212529',
            formatter: (p: unknown) => {
              const i = tipParams(p)[0];
              const v = numberOf(i?.value);
              return `${i?.name}: ${v} · ${percent(v, f.contacted, lang)}`;
            },
          },
          labelLine: { show: true, length: 8 },
          data: stages.map((s) => ({
            name: t(`stats.funnel.${s.key}`),
            value: s.value,
            itemStyle: { color: s.color },
          })),
        },
      ],
    };
  }, [data, t, lang]);
  return (
    <EChart
      option={option}
      size="sm"
      label={t('stats.funnel.aria', {
        items: stages.map((s) => `${t(`stats.funnel.${s.key}`)} ${s.value}`).join(', '),
      })}
    />
  );
}

export function WorkloadChart({ data }: { data: StatsDashboard }) {
  const { t } = useTranslation();
  const rows = data.workload.slice(0, 12);
  const option = useMemo<ChartOption>(() => {
    const rows = data.workload.slice(0, 12);
    return {
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: {
        ...RICH_TOOLTIP,
        trigger: 'item',
        formatter: (p: unknown) => {
          const i = tipParams(p)[0];
          return `${i?.name}\n${t('stats.workload.replies')}: ${numberOf(i?.value)}`;
        },
      },
      xAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#e9ecef' } } },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map((r) => r.operator),
        axisTick: { show: false },
        axisLabel: { width: 170, overflow: 'truncate' },
      },
      series: [
        {
          type: 'bar',
          name: t('stats.workload.replies'),
          barMaxWidth: 22,
          itemStyle: { color: CHART_COLORS.indigo },
          label: { show: true, position: 'right' },
          data: rows.map((r) => r.replies),
        },
      ],
    };
  }, [data, t]);
  return (
    <EChart
      option={option}
      size="sm"
      label={t('stats.workload.aria', { items: rows.map((r) => `${r.operator} ${r.replies}`).join(', ') })}
    />
  );
}
