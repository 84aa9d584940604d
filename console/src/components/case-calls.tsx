import { Alert, Badge, Button, Group, List, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { DirectoryEntry } from '../../../src/auth/auth.schemas.ts';
import { callBack, getCaseCalls, setSmsAllowed } from '../api.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';

const OUTCOME_COLOR = { answered: 'green', voicemail: 'blue', missed: 'orange', failed: 'red' } as const;

function duration(sec: number | null): string | null {
  if (sec === null) return null;
  return `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, '0')}`;
}

/**
 * The calls of a case, in the thread column: direction, who answered, duration, outcome; the call-back
 * the requester asked for; "Call back" (the server rings my phone, then dials them — the number never
 * reaches this page); and the SMS switch with what an SMS may reveal.
 */
export function CaseCalls({
  requestId,
  canReply,
  users,
}: {
  requestId: string;
  canReply: boolean;
  users: Map<string, DirectoryEntry>;
}) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const calls = useQuery({
    queryKey: queryKeys.caseCalls(requestId),
    queryFn: ({ signal }) => getCaseCalls(requestId, signal),
    // Only phone cases change by themselves (a call ends, a call-back is answered).
    refetchInterval: (q) => (q.state.data?.phone ? 5_000 : false),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: queryKeys.caseCalls(requestId) });
  const start = useMutation({
    mutationFn: () => callBack(requestId),
    onSuccess: () => {
      notifySuccess(t('phone.callBackStarted'));
      refresh();
    },
    onError: (e) => notifyError(t, e),
  });
  const sms = useMutation({
    mutationFn: (allowed: boolean) => setSmsAllowed(requestId, allowed),
    onSuccess: refresh,
    onError: (e) => notifyError(t, e),
  });
  const d = calls.data;
  if (!d || (!d.phone && d.calls.length === 0)) return null;
  const smsOn = sms.isPending ? (sms.variables ?? d.smsAllowed) : d.smsAllowed;
  return (
    <Stack gap="xs" data-testid="case-calls">
      <Group justify="space-between">
        <Title order={3} size="h6">
          {t('phone.calls')}
        </Title>
        {canReply && d.phone && (
          <Button size="xs" onClick={() => start.mutate()} loading={start.isPending} data-testid="call-back">
            {t('phone.callBack')}
          </Button>
        )}
      </Group>
      {d.callback && (
        <Alert color="orange" variant="light" p="xs" data-testid="callback-due">
          {t('phone.callbackDue', {
            window: t(`phone.window.${d.callback.window}`),
            at: formatDateTime(d.callback.dueAt, i18n.language),
            attempts: d.callback.attempts,
          })}
        </Alert>
      )}
      {d.calls.length === 0 ? (
        <Text size="xs" c="dimmed">
          {t('phone.noCalls')}
        </Text>
      ) : (
        <List size="sm" spacing={4} listStyleType="none">
          {d.calls.map((c) => {
            const who = c.answeredBy ? (users.get(c.answeredBy)?.email ?? '…') : null;
            const len = duration(c.durationSec);
            return (
              <List.Item key={c.id} data-testid="case-call" data-outcome={c.outcome ?? 'ongoing'}>
                <Group gap={6} wrap="wrap">
                  <Text size="sm">
                    {c.direction === 'inbound' ? `↙ ${t('phone.inbound')}` : `↗ ${t('phone.outbound')}`}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {formatDateTime(c.startedAt, i18n.language)}
                  </Text>
                  <Badge size="sm" color={c.outcome ? OUTCOME_COLOR[c.outcome] : 'gray'}>
                    {t(`phone.outcome.${c.outcome ?? 'ongoing'}`)}
                  </Badge>
                  {who && <Text size="xs">{t('phone.answeredBy', { name: who })}</Text>}
                  {len && <Text size="xs">{len}</Text>}
                  {c.recorded && <Text size="xs">{t('phone.recorded')}</Text>}
                </Group>
              </List.Item>
            );
          })}
        </List>
      )}
      {d.phone && canReply && (
        <Stack gap={4}>
          <Switch
            size="sm"
            label={t('phone.sms')}
            checked={smsOn}
            disabled={sms.isPending}
            onChange={(e) => sms.mutate(e.currentTarget.checked)}
            data-testid="sms-allowed"
          />
          <Alert color={smsOn ? 'red' : 'gray'} variant="light" p="xs" data-testid="sms-warning">
            <Text size="xs">
              {smsOn ? t('phone.smsWarning') : `${t('phone.smsOff')} ${t('phone.smsWarning')}`}
            </Text>
          </Alert>
        </Stack>
      )}
    </Stack>
  );
}
