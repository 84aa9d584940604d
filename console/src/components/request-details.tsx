import { Badge, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DirectoryEntry } from '../../../src/auth/auth.schemas.ts';
import type { RequestDetail } from '../../../src/cases/cases.schemas.ts';
import { setExpectedFront } from '../api.ts';
import { formatDateTime } from '../lib/format.ts';
import { languageName } from '../lib/labels.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { Link, paths } from '../lib/router.tsx';
import { StatusBadge, UrgencyBadge } from './badges.tsx';
import { DateField } from './date-field.tsx';

interface Props {
  detail: RequestDetail;
  users: Map<string, DirectoryEntry>;
}

export function RequestDetails({ detail, users }: Props) {
  const { t, i18n } = useTranslation();
  const r = detail.request;
  const assignee = r.assigneeId ? (users.get(r.assigneeId)?.email ?? r.assigneeId) : t('app.none');
  return (
    <Stack gap="xs">
      <Title order={2} size="h5">
        {t('request.details')}
      </Title>
      <dl className="wf-meta-list" data-testid="request-meta">
        <dt>{t('request.ref')}</dt>
        <dd className="wf-ref">{r.ref}</dd>
        <dt>{t('request.status')}</dt>
        <dd>
          <StatusBadge status={r.status} />
        </dd>
        <dt>{t('request.urgency')}</dt>
        <dd>
          <UrgencyBadge urgency={r.urgency} />
        </dd>
        <dt>{t('request.category')}</dt>
        <dd>{t(`category.${r.category}`)}</dd>
        <dt>{t('request.language')}</dt>
        <dd>{languageName(t, r.language)}</dd>
        <dt>{t('request.channel')}</dt>
        <dd>{t(`channel.${r.channel}`)}</dd>
        <dt>{t('request.assignee')}</dt>
        <dd data-testid="request-assignee">{assignee}</dd>
        <dt>{t('request.created')}</dt>
        <dd>{formatDateTime(r.createdAt, i18n.language)}</dd>
        <dt>{t('request.lastRequester')}</dt>
        <dd>{formatDateTime(r.lastRequesterAt, i18n.language)}</dd>
        <dt>{t('request.messages')}</dt>
        <dd>{r.messageCount}</dd>
        {detail.wroteBefore > 0 && (
          <>
            <dt>{t('request.wroteBefore.label')}</dt>
            <dd>
              <Badge color="grape" variant="light" tt="none" data-testid="wrote-before">
                {t('request.wroteBefore.text', { count: detail.wroteBefore })}
              </Badge>
            </dd>
          </>
        )}
        {(r.status === 'verified' || r.status === 'awaiting_front_contact' || detail.expectedFrontDate) && (
          <>
            <dt>{t('request.expectedFront.label')}</dt>
            <dd>
              <ExpectedFrontField id={r.id} value={detail.expectedFrontDate} />
            </dd>
          </>
        )}
      </dl>
    </Stack>
  );
}

/** The date he expects to be at the front: from his questionnaire, corrected here; reminders follow it. */
function ExpectedFrontField({ id, value }: { id: string; value: string | null }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [date, setDate] = useState(value ?? '');
  const save = useMutation({
    mutationFn: () => setExpectedFront(id, date || null),
    onSuccess: () => {
      notifySuccess(t('request.expectedFront.saved'));
      void queryClient.invalidateQueries({ queryKey: queryKeys.request(id) });
    },
    onError: (e) => notifyError(t, e),
  });
  return (
    <Group gap={4} wrap="nowrap">
      <DateField
        size="xs"
        aria-label={t('request.expectedFront.label')}
        value={date}
        onChange={(v) => setDate(v)}
        data-testid="expected-front-input"
      />
      <Button size="xs" variant="default" loading={save.isPending} onClick={() => save.mutate()}>
        {t('request.expectedFront.save')}
      </Button>
    </Group>
  );
}

export function RelatedRequests({ detail }: { detail: RequestDetail }) {
  const { t, i18n } = useTranslation();
  return (
    <Stack gap="xs">
      <Title order={2} size="h5">
        {t('request.related')}
      </Title>
      {detail.related.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('request.noRelated')}
        </Text>
      ) : (
        <ul className="wf-plain-list" data-testid="related-requests">
          {detail.related.map((rel) => (
            <li key={rel.id}>
              <Link to={paths.request(rel.id)} className="wf-ref">
                {rel.ref}
              </Link>{' '}
              <StatusBadge status={rel.status} />{' '}
              <Text span size="xs" c="dimmed">
                {formatDateTime(rel.createdAt, i18n.language)}
              </Text>
            </li>
          ))}
        </ul>
      )}
      {detail.merged.length > 0 && (
        <>
          <Title order={3} size="h6">
            {t('request.merged')}
          </Title>
          <ul className="wf-plain-list">
            {detail.merged.map((m) => (
              <li key={m.id}>
                <Link to={paths.request(m.id)} className="wf-ref">
                  {m.ref}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </Stack>
  );
}
