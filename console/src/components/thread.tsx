import { Badge, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../lib/format.ts';
import type { DirectoryEntry, ThreadMessage } from '../types.ts';

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

  // Newest message in view when the thread opens or grows; only the thread box scrolls, not the page.
  useEffect(() => {
    const el = box.current;
    if (lastId && el) el.scrollTop = el.scrollHeight;
  }, [lastId]);

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
              <time dateTime={m.at}>{formatDateTime(m.at, i18n.language)}</time>
              {m.direction === 'note' && <span>· {t('request.notePrivate')}</span>}
            </div>
            <div
              className="wf-msg-body"
              lang={m.direction === 'in' || m.direction === 'out' ? requestLanguage : undefined}
            >
              {m.body}
            </div>
          </article>
        );
      })}
    </div>
  );
}
