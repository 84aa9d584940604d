import { Badge, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { DirectoryEntry } from '../../../src/auth/auth.schemas.ts';
import type { Delivery, ThreadMessage } from '../../../src/cases/cases.schemas.ts';
import { formatDateTime } from '../lib/format.ts';
import { Attachments } from './attachments.tsx';

interface Props {
  messages: ThreadMessage[];
  users: Map<string, DirectoryEntry>;
  requestLanguage: string;
}

const DIRECTION_COLORS = { in: 'gray', out: 'blue', note: 'yellow', system: 'gray' } as const;

/**
 * The whole conversation, oldest first. Internal notes look different at a glance (dashed, yellow,
 * labelled) so nobody mistakes one for something the requester has read.
 */
export function Thread({ messages, users, requestLanguage }: Props) {
  const { t, i18n } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const lastId = messages[messages.length - 1]?.id;
  const hasMessages = messages.length > 0;

  // Newest message in view when the thread opens or grows; only the thread box scrolls, not the page.
  useEffect(() => {
    const el = box.current;
    if (lastId && el) el.scrollTop = el.scrollHeight;
  }, [lastId]);

  // Photos load after that and push the newest message down: follow them while the operator is at
  // the bottom (not when they have scrolled up to read).
  useEffect(() => {
    const el = box.current;
    // The box exists once there are messages (the empty thread is a plain text).
    if (!el || !hasMessages) return;
    let atBottom = true;
    const onScroll = () => {
      atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    };
    const onLoad = () => {
      if (atBottom) el.scrollTop = el.scrollHeight;
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    el.addEventListener('load', onLoad, true);
    return () => {
      el.removeEventListener('scroll', onScroll);
      el.removeEventListener('load', onLoad, true);
    };
  }, [hasMessages]);

  if (messages.length === 0) {
    return (
      <Text c="dimmed" size="sm">
        {t('request.emptyThread')}
      </Text>
    );
  }

  return (
    <div
      className="wf-thread"
      data-testid="thread"
      ref={box}
      role="log"
      aria-label={t('request.thread')}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to be read
      tabIndex={0}
    >
      {messages.map((m) => {
        const author = m.authorId ? (users.get(m.authorId)?.email ?? null) : null;
        return (
          <article
            key={m.id}
            className={`wf-msg wf-msg-${m.direction}`}
            data-direction={m.direction}
            data-testid="thread-message"
          >
            <div className="wf-msg-meta">
              {m.direction !== 'system' && (
                <Badge size="xs" variant="light" color={DIRECTION_COLORS[m.direction]} tt="none">
                  {t(`request.direction.${m.direction}`)}
                </Badge>
              )}
              {m.direction === 'in' && m.name && <span>{t('request.from', { name: m.name })}</span>}
              {m.direction === 'in' && m.contact && (
                <span>{t('request.contact', { contact: m.contact })}</span>
              )}
              {author && m.direction !== 'in' && <span>{author}</span>}
              {m.channel && (m.direction === 'in' || m.direction === 'out') && (
                <span data-testid="message-channel">{t(`channel.${m.channel}`)}</span>
              )}
              <time dateTime={m.at}>{formatDateTime(m.at, i18n.language)}</time>
              {m.direction === 'note' && <span>· {t('request.notePrivate')}</span>}
              {m.direction === 'out' && m.delivery && <DeliveryBadge delivery={m.delivery} />}
            </div>
            {m.body && (
              <div
                className="wf-msg-body"
                lang={m.direction === 'in' || m.direction === 'out' ? requestLanguage : undefined}
              >
                {m.body}
              </div>
            )}
            {m.attachments && m.attachments.length > 0 && <Attachments items={m.attachments} />}
            {m.direction === 'out' && m.delivery?.status === 'failed' && (
              <DeliveryFailure delivery={m.delivery} />
            )}
          </article>
        );
      })}
    </div>
  );
}

const DELIVERY_COLORS: Record<string, string> = {
  pending: 'gray',
  sending: 'blue',
  sent: 'teal',
  failed: 'red',
};
const DELIVERY_STATES = ['pending', 'sending', 'sent', 'failed'] as const;

/** Where a reply is on its way out through the request's channel (web replies have no delivery). */
function DeliveryBadge({ delivery }: { delivery: Delivery }) {
  const { t } = useTranslation();
  const status = (DELIVERY_STATES as readonly string[]).includes(delivery.status)
    ? (delivery.status as (typeof DELIVERY_STATES)[number])
    : null;
  const label = status ? t(`request.delivery.${status}`) : delivery.status;
  const retrying = status === 'pending' && delivery.attempts > 0;
  return (
    <Badge
      size="xs"
      variant={status === 'failed' ? 'filled' : 'light'}
      color={DELIVERY_COLORS[delivery.status] ?? 'gray'}
      tt="none"
      data-testid="delivery-status"
      data-status={delivery.status}
      title={t('request.delivery.attempts', { count: delivery.attempts })}
    >
      {retrying ? t('request.delivery.retrying', { count: delivery.attempts }) : label}
    </Badge>
  );
}

function DeliveryFailure({ delivery }: { delivery: Delivery }) {
  const { t } = useTranslation();
  return (
    <div className="wf-delivery-failed" role="note" data-testid="delivery-error">
      <Text size="xs" fw={700} c="red.8">
        {t('request.delivery.failedTitle', { count: delivery.attempts })}
      </Text>
      {delivery.lastError && (
        <Text size="xs" c="red.8" className="wf-delivery-error">
          {delivery.lastError}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {t('request.delivery.failedHint')}
      </Text>
    </div>
  );
}
