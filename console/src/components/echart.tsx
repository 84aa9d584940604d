import type { BarSeriesOption, FunnelSeriesOption, LineSeriesOption } from 'echarts/charts';
import { BarChart, FunnelChart, LineChart } from 'echarts/charts';
import type {
  DataZoomComponentOption,
  GridComponentOption,
  LegendComponentOption,
  MarkLineComponentOption,
  MarkPointComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  TooltipComponent,
} from 'echarts/components';
import type { ComposeOption, ECElementEvent } from 'echarts/core';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

/*
 * ECharts under the console's CSP (script-src 'self'; style-src 'self'): only the modules below are
 * bundled (no map/GeoJSON code, the one place ECharts calls `new Function`), the canvas renderer draws
 * into <canvas> elements it sizes through the CSSOM (allowed), and tooltips must use
 * `renderMode: 'richText'` — the default HTML tooltip writes `style="…"` attributes through innerHTML,
 * which style-src 'self' refuses. ECharts adds no <style> element of its own.
 */
echarts.use([
  BarChart,
  LineChart,
  FunnelChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  DataZoomComponent,
  CanvasRenderer,
]);

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | FunnelSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
  | MarkPointComponentOption
  | DataZoomComponentOption
>;

export type ChartClick = ECElementEvent;

/** Mantine's palette (shade 6), so charts match the badges around them. */
export const CHART_COLORS = {
  blue: '#228be6',
  cyan: '#15aabf',
  teal: '#12b886',
  green: '#40c057',
  lime: '#82c91e',
  yellow: '#fab005',
  orange: '#fd7e14',
  red: '#fa5252',
  pink: '#e64980',
  grape: '#be4bdb',
  violet: '#7950f2',
  indigo: '#4c6ef5',
  gray: '#868e96',
  dark: '#495057',
} as const;

/** Defaults every chart shares: system font (as Mantine), CSP-safe tooltips. */
export const CHART_BASE = {
  textStyle: {
    fontFamily:
      '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif, "Apple Color Emoji"',
  },
  animationDuration: 300,
} as const;

export const RICH_TOOLTIP = {
  renderMode: 'richText',
  confine: true,
  backgroundColor: '#fff',
  borderColor: '#ced4da',
  textStyle: { color: '#212529', fontSize: 12 },
} as const satisfies TooltipComponentOption;

export type ChartSize = 'sm' | 'md' | 'lg';

interface Props {
  option: ChartOption;
  /** Height class (styles.css): sm 220 px, md 280 px, lg 340 px. */
  size: ChartSize;
  /** What the chart shows, in words (the canvas itself says nothing to a screen reader). */
  label: string;
  onClick?: (e: ChartClick) => void;
  /** A click anywhere in the plot area: the index on the (category) x axis under the pointer. */
  onAxisClick?: (index: number) => void;
}

/**
 * A thin React wrapper around one ECharts instance: created on mount, given the option whenever it
 * changes (not merged: series that disappear go away), resized with its box and the window, disposed
 * on unmount.
 */
export function EChart({ option, size, label, onClick, onAxisClick }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const clickRef = useRef(onClick);
  const axisClickRef = useRef(onAxisClick);
  useEffect(() => {
    clickRef.current = onClick;
    axisClickRef.current = onAxisClick;
  }, [onClick, onAxisClick]);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const instance = echarts.init(el, null, { renderer: 'canvas' });
    chart.current = instance;
    instance.on('click', (e) => clickRef.current?.(e as ChartClick));
    // Also between the bars (a quiet day has none to click on).
    instance.getZr().on('click', (e) => {
      const at = [e.offsetX, e.offsetY];
      if (!axisClickRef.current || !instance.containPixel({ gridIndex: 0 }, at)) return;
      const xy = instance.convertFromPixel({ gridIndex: 0 }, at);
      const index = Array.isArray(xy) ? xy[0] : xy;
      if (typeof index === 'number' && Number.isFinite(index)) axisClickRef.current(Math.round(index));
    });
    let frame = 0;
    const resize = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (!instance.isDisposed()) instance.resize();
      });
    };
    window.addEventListener('resize', resize);
    // The box also changes without the window (a scrollbar appearing, the layout reflowing).
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(resize);
    observer?.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('resize', resize);
      observer?.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption({ ...CHART_BASE, ...option }, { notMerge: true });
  }, [option]);

  return (
    <div
      ref={ref}
      className="wf-chart"
      data-size={size}
      role="img"
      aria-label={label}
      data-clickable={onClick || onAxisClick ? 'true' : undefined}
    />
  );
}
