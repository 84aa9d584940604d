import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import type { CaseState } from '../../../src/cases/case-state.ts';
import type { CountsQuery, QueueQuery, QueueSort } from '../../../src/cases/cases.schemas.ts';
import type { CallerCategory as Category, Channel } from '../../../src/cases/categories.ts';

export const QUEUE_VIEWS = ['waiting', 'mine', 'open'] as const;
export type QueueView = (typeof QUEUE_VIEWS)[number];

/** Likely fakes (spam score ≥ 60): shown at the bottom (server default), hidden, or alone. */
export const FAKES_FILTERS = ['show', 'hide', 'only'] as const;
export type FakesFilter = (typeof FAKES_FILTERS)[number];

export interface QueueFilters {
  status: CaseState[];
  channel: Channel[];
  category: Category[];
  language: string[];
  urgency: number | null;
  /** 'me', 'none' or a user id; null = anyone. */
  assignee: string | null;
  tag: string;
  fakes: FakesFilter;
  sort: QueueSort;
}

export const EMPTY_FILTERS: QueueFilters = {
  status: [],
  channel: [],
  category: [],
  language: [],
  urgency: null,
  assignee: null,
  tag: '',
  fakes: 'show',
  sort: 'urgent',
};

export const QUEUE_PAGE_SIZE = 50;

/** The list query for a view plus the operator's filters. */
export function buildQueueQuery(view: QueueView, f: QueueFilters): QueueQuery {
  const q: QueueQuery = { sort: f.sort, limit: QUEUE_PAGE_SIZE };
  // An explicit status filter replaces the "open only" default, so closed cases can be looked up.
  if (f.status.length) q.status = f.status;
  else q.open = true;
  if (f.channel.length) q.channel = f.channel;
  if (f.category.length) q.category = f.category;
  if (f.language.length) q.language = f.language;
  if (f.urgency !== null) q.urgency = f.urgency;
  const tag = f.tag.trim().toLowerCase();
  if (tag) q.tag = tag;
  if (f.fakes !== 'show') q.likelyFake = f.fakes === 'only';
  if (view === 'mine') q.assignee = 'me';
  else if (f.assignee) q.assignee = f.assignee;
  if (view === 'waiting') q.awaitingReply = true;
  return q;
}

/** Counts take the same filters except status and assignee (those are what the counts split by). */
export function buildCountsQuery(f: QueueFilters): CountsQuery {
  const q: CountsQuery = {};
  if (f.channel.length) q.channel = f.channel;
  if (f.category.length) q.category = f.category;
  if (f.language.length) q.language = f.language;
  if (f.urgency !== null) q.urgency = f.urgency;
  const tag = f.tag.trim().toLowerCase();
  if (tag) q.tag = tag;
  return q;
}

interface QueueStateApi {
  view: QueueView;
  setView(v: QueueView): void;
  filters: QueueFilters;
  updateFilters(patch: Partial<QueueFilters>): void;
  resetFilters(): void;
  /** Ids of the rows last shown in the queue, in order: "next request" walks this list. */
  orderedIds: string[];
  setOrderedIds(ids: string[]): void;
  selectedId: string | null;
  setSelectedId(id: string | null): void;
}

const QueueStateContext = createContext<QueueStateApi | null>(null);

/** Queue view and filters survive opening a request and coming back. */
export function QueueStateProvider({ children }: { children: ReactNode }) {
  const [view, setView] = useState<QueueView>('waiting');
  const [filters, setFilters] = useState<QueueFilters>(EMPTY_FILTERS);
  const [orderedIds, setOrderedIds] = useState<string[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);

  const updateFilters = useCallback((patch: Partial<QueueFilters>) => {
    setFilters((f) => ({ ...f, ...patch }));
  }, []);
  const resetFilters = useCallback(() => setFilters(EMPTY_FILTERS), []);

  const value = useMemo(
    () => ({
      view,
      setView,
      filters,
      updateFilters,
      resetFilters,
      orderedIds,
      setOrderedIds,
      selectedId,
      setSelectedId,
    }),
    [view, filters, updateFilters, resetFilters, orderedIds, selectedId],
  );
  return <QueueStateContext value={value}>{children}</QueueStateContext>;
}

export function useQueueState(): QueueStateApi {
  const ctx = useContext(QueueStateContext);
  if (!ctx) throw new Error('useQueueState outside QueueStateProvider');
  return ctx;
}

/** The id after (or before) `currentId` in the last shown queue; wraps to the first when unknown. */
export function neighbourId(ids: string[], currentId: string | null, step: 1 | -1): string | null {
  if (ids.length === 0) return null;
  const i = currentId ? ids.indexOf(currentId) : -1;
  if (i === -1) return ids[0] ?? null;
  return ids[i + step] ?? null;
}
