import { Badge, Stack, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { CaseState } from '../../../src/cases/case-state.ts';
import type { QueueItem, SlaState } from '../../../src/cases/cases.schemas.ts';
import { SINK_THRESHOLD as LIKELY_FAKE_SCORE } from '../../../src/triage/sink-threshold.ts';
import { SPAM_REASONS } from '../../../src/triage/spam-reasons.ts';
import { formatAgo, formatDateTime, formatElapsed } from '../lib/format.ts';

const STATUS_COLORS: Record<CaseState, string> = {
  new: 'blue',
  screening: 'cyan',
  verified: 'teal',
  awaiting_front_contact: 'violet',
  meeting_agreed: 'grape',
  in_progress: 'orange',
  in_custody: 'green',
  unreachable: 'gray',
  withdrawn: 'gray',
  rejected_probe: 'dark',
  closed_info_given: 'gray',
};

export function StatusBadge({ status }: { status: CaseState }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLORS[status]} variant="light" radius="sm" tt="none">
      {t(`status.${status}`)}
    </Badge>
  );
}

type UrgencyLevel = 0 | 1 | 2 | 3;
const URGENCY_COLORS: Record<UrgencyLevel, string> = { 0: 'gray', 1: 'blue', 2: 'orange', 3: 'red' };
export const URGENCY_NAMES = { 0: 'low', 1: 'normal', 2: 'high', 3: 'critical' } as const satisfies Record<
  UrgencyLevel,
  string
>;

export function urgencyLevel(n: number): UrgencyLevel {
  if (n >= 3) return 3;
  if (n <= 0) return 0;
  return n === 1 ? 1 : 2;
}

export function UrgencyBadge({ urgency }: { urgency: number }) {
  const { t } = useTranslation();
  const level = urgencyLevel(urgency);
  return (
    <Badge color={URGENCY_COLORS[level]} variant={level >= 2 ? 'filled' : 'light'} radius="sm" tt="none">
      {t(`urgency.${URGENCY_NAMES[level]}`)}
    </Badge>
  );
}

const SLA_COLORS: Record<SlaState, string> = { ok: 'green', warning: 'yellow', breach: 'red' };

/**
 * Time since first contact · time since the requester's last message, coloured by the SLA state
 * the server computed. The full sentence is there for screen readers and on hover.
 */
export function SlaBadge({ item, now }: { item: QueueItem; now: number }) {
  const { t, i18n } = useTranslation();
  const first = formatElapsed(t, item.createdAt, now);
  const last = formatElapsed(t, item.lastRequesterAt, now);
  const state = t(`sla.${item.sla.state}`);
  let full = t('sla.full', {
    state,
    first: formatAgo(t, item.createdAt, now),
    last: formatAgo(t, item.lastRequesterAt, now),
  });
  if (item.sla.dueAt) {
    const kind = item.sla.kind ? ` (${t(`sla.kinds.${item.sla.kind}`)})` : '';
    full += ` ${t('sla.due', { due: formatDateTime(item.sla.dueAt, i18n.language) })}${kind}`;
  }
  return (
    <Tooltip label={full} multiline w={260} withinPortal>
      <Badge
        color={SLA_COLORS[item.sla.state]}
        variant={item.sla.state === 'breach' ? 'filled' : 'light'}
        radius="sm"
        tt="none"
        data-sla={item.sla.state}
      >
        <span aria-hidden="true">{t('sla.compact', { first, last })}</span>
        <VisuallyHidden>{full}</VisuallyHidden>
      </Badge>
    </Tooltip>
  );
}

/** A call-back asked for (voice/SMS menu) and not marked done since. */
export function callbackPending(item: Pick<QueueItem, 'callbackRequestedAt' | 'callbackDoneAt'>): boolean {
  if (!item.callbackRequestedAt) return false;
  if (!item.callbackDoneAt) return true;
  return Date.parse(item.callbackDoneAt) < Date.parse(item.callbackRequestedAt);
}

export function CallbackBadge({ item }: { item: QueueItem }) {
  const { t, i18n } = useTranslation();
  if (!callbackPending(item)) return null;
  return (
    <Tooltip
      label={t('request.callback.requestedAt', {
        at: formatDateTime(item.callbackRequestedAt, i18n.language),
      })}
    >
      <Badge color="orange" variant="filled" radius="sm" tt="none" data-testid="callback-badge">
        <span aria-hidden="true">☎ </span>
        {t('request.callback.badge')}
      </Badge>
    </Tooltip>
  );
}

/** He came back after a silence: shown at the top of the queue until someone answers. */
export function ReturnedBadge({ item }: { item: Pick<QueueItem, 'returnedAt' | 'returnedFromAt'> }) {
  const { t, i18n } = useTranslation();
  if (!item.returnedAt) return null;
  const days = item.returnedFromAt
    ? Math.max(0, Math.floor((Date.parse(item.returnedAt) - Date.parse(item.returnedFromAt)) / 86_400_000))
    : null;
  return (
    <Tooltip
      label={t('request.returned.tooltip', {
        at: formatDateTime(item.returnedAt, i18n.language),
        last: formatDateTime(item.returnedFromAt, i18n.language),
      })}
    >
      <Badge color="grape" variant="filled" radius="sm" tt="none" data-testid="returned-badge">
        <span aria-hidden="true">↩ </span>
        {days !== null ? t('request.returned.badgeDays', { days }) : t('request.returned.badge')}
      </Badge>
    </Tooltip>
  );
}

type TriageFields = Pick<QueueItem, 'spamScore' | 'spamReasons' | 'triageVerdict'>;

export function isLikelyFake(item: Pick<QueueItem, 'spamScore'>): boolean {
  return item.spamScore >= LIKELY_FAKE_SCORE;
}

/** The reasons in words (an unknown code from a newer server is shown as it is). */
export function useSpamReasonTexts(reasons: string[]): string[] {
  const { t } = useTranslation();
  return reasons.map((r) =>
    (SPAM_REASONS as readonly string[]).includes(r)
      ? t(`triage.reasons.${r as (typeof SPAM_REASONS)[number]}`)
      : r,
  );
}

/**
 * The spam/probe score ("spam 70") or the operator's verdict, with the reasons in words on hover (and
 * for screen readers). Nothing is shown for a request no rule flagged and nobody judged.
 */
export function SpamBadge({ item, showZero = false }: { item: TriageFields; showZero?: boolean }) {
  const { t } = useTranslation();
  const reasons = useSpamReasonTexts(item.spamReasons);
  if (!item.triageVerdict && item.spamScore <= 0 && !showZero) return null;
  const fake = isLikelyFake(item);
  let label: string;
  let color: string;
  let variant: 'filled' | 'light' | 'outline';
  if (item.triageVerdict === 'spam') {
    label = t('triage.badgeSpam');
    color = 'dark';
    variant = 'filled';
  } else if (item.triageVerdict === 'genuine') {
    label = t('triage.badgeGenuine');
    color = 'teal';
    variant = 'light';
  } else {
    label = t('triage.badge', { score: item.spamScore });
    color = fake ? 'red' : item.spamScore >= 30 ? 'orange' : 'gray';
    variant = fake ? 'filled' : 'light';
  }
  const verdict =
    item.triageVerdict === 'spam'
      ? t('triage.verdictSpam')
      : item.triageVerdict === 'genuine'
        ? t('triage.verdictGenuine')
        : null;
  const summary = [
    t('triage.score', { score: item.spamScore }),
    ...(verdict ? [verdict] : []),
    ...(fake && !item.triageVerdict ? [t('triage.likelyFake', { threshold: LIKELY_FAKE_SCORE })] : []),
    ...(reasons.length ? reasons : [t('triage.noReasons')]),
  ];
  return (
    <Tooltip
      multiline
      w={300}
      withinPortal
      label={
        <Stack gap={2}>
          <Text size="xs" fw={600}>
            {summary[0]}
          </Text>
          {summary.slice(1).map((line) => (
            <Text size="xs" key={line}>
              • {line}
            </Text>
          ))}
        </Stack>
      }
    >
      <Badge
        color={color}
        variant={variant}
        radius="sm"
        tt="none"
        className="wf-nowrap"
        data-testid="spam-badge"
        data-score={item.spamScore}
        data-verdict={item.triageVerdict ?? 'none'}
      >
        <span aria-hidden="true">{label}</span>
        <VisuallyHidden>{summary.join('. ')}</VisuallyHidden>
      </Badge>
    </Tooltip>
  );
}
