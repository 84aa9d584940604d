import { Alert, Badge, Button, Group, Loader, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { getVoicePanel, listVoiceCallbacks, setAvailability, setMyPhone } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { Link, paths } from '../lib/router.tsx';

const LANGUAGE_NAMES: Record<string, string> = {
  ru: 'Русский',
  uk: 'Українська',
  en: 'English',
  ko: '한국어',
};
/** Calls waiting change by the second: the panel follows them closely. */
const POLL_MS = 3_000;

/**
 * The operator's call panel: available/busy, the phone the hotline rings (set once, never shown back),
 * and a notice for every call waiting in the queue. Calls are answered on the operator's phone (press 1),
 * so nothing here needs a third-party script.
 */
export function CallPanel() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const callbacks = useQuery({
    queryKey: queryKeys.voiceCallbacks,
    queryFn: ({ signal }) => listVoiceCallbacks(signal),
    refetchInterval: 30_000,
  });
  const [editingPhone, setEditingPhone] = useState(false);
  const [phone, setPhone] = useState('');
  const panel = useQuery({
    queryKey: queryKeys.voicePanel,
    queryFn: ({ signal }) => getVoicePanel(signal),
    refetchInterval: POLL_MS,
  });
  const availability = useMutation({
    mutationFn: setAvailability,
    onSuccess: (p) => queryClient.setQueryData(queryKeys.voicePanel, p),
    onError: (e) => notifyError(t, e),
  });
  const savePhone = useMutation({
    mutationFn: () => setMyPhone(phone.trim() || null),
    onSuccess: (p) => {
      queryClient.setQueryData(queryKeys.voicePanel, p);
      setPhone('');
      setEditingPhone(false);
      notifySuccess(t('phone.myPhoneSaved'));
    },
    onError: (e) => notifyError(t, e),
  });

  if (panel.isPending) return <Loader size="sm" aria-label={t('app.loading')} />;
  if (panel.isError)
    return (
      <Alert color="red" role="alert">
        {describeError(t, panel.error)}
      </Alert>
    );
  const p = panel.data;
  const available = availability.isPending ? (availability.variables ?? p.available) : p.available;
  return (
    <Stack gap="xs" data-testid="call-panel">
      <Group justify="space-between" wrap="nowrap">
        <Title order={2} size="h5">
          {t('phone.title')}
        </Title>
        <Badge color={available ? 'green' : 'gray'} data-testid="call-availability">
          {available ? t('phone.stateAvailable') : t('phone.stateBusy')}
        </Badge>
      </Group>
      {!p.lineConfigured && (
        <Text size="xs" c="dimmed">
          {t('phone.notConfigured')}
        </Text>
      )}
      <Switch
        label={t('phone.available')}
        description={t('phone.availableHint')}
        checked={available}
        disabled={availability.isPending || !p.hasPhone}
        onChange={(e) => availability.mutate(e.currentTarget.checked)}
        data-testid="call-available"
      />
      {p.hasPhone && !editingPhone ? (
        <Group gap="xs">
          <Text size="xs" c="dimmed">
            {t('phone.myPhoneSet')}
          </Text>
          <Button size="compact-xs" variant="subtle" onClick={() => setEditingPhone(true)}>
            {t('phone.myPhoneChange')}
          </Button>
        </Group>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            savePhone.mutate();
          }}
        >
          <Group gap="xs" align="end">
            <TextInput
              size="xs"
              label={t('phone.myPhone')}
              description={p.hasPhone ? undefined : t('phone.myPhoneNeeded')}
              placeholder="+380…"
              value={phone}
              onChange={(e) => setPhone(e.currentTarget.value)}
              autoComplete="off"
              data-testid="my-phone"
            />
            <Button size="xs" type="submit" loading={savePhone.isPending} data-testid="my-phone-save">
              {t('phone.myPhoneSave')}
            </Button>
          </Group>
        </form>
      )}
      {p.activeCall && (
        <Alert color="green" variant="light" p="xs" data-testid="active-call">
          {p.activeCall.requestId ? (
            <Link to={paths.request(p.activeCall.requestId)} size="sm">
              {t('phone.onCall', { ref: p.activeCall.ref ?? '…' })}
            </Link>
          ) : (
            t('phone.onCall', { ref: '…' })
          )}
        </Alert>
      )}
      {p.waiting.length === 0 ? (
        <Text size="xs" c="dimmed">
          {t('phone.noWaiting')}
        </Text>
      ) : (
        p.waiting.map((w) => (
          <Alert
            key={w.callId}
            color={w.ringingMe ? 'orange' : 'blue'}
            variant="light"
            p="xs"
            role="status"
            data-testid="incoming-call"
          >
            <Stack gap={2}>
              <Text size="sm" fw={600}>
                {t('phone.incoming', {
                  language: LANGUAGE_NAMES[w.language ?? ''] ?? w.language ?? '?',
                  seconds: w.waitingSec,
                  position: w.position,
                })}
              </Text>
              {w.ringingMe && <Text size="sm">{t('phone.ringingMe')}</Text>}
              {w.requestId && (
                <Link to={paths.request(w.requestId)} size="sm">
                  {t('phone.openCase', { ref: w.ref ?? '' })}
                </Link>
              )}
            </Stack>
          </Alert>
        ))
      )}
      {callbacks.data && callbacks.data.items.length > 0 && (
        <Stack gap={2} data-testid="callbacks-due">
          <Text size="sm" fw={600}>
            {t('phone.callbacksTitle', { n: callbacks.data.items.length })}
          </Text>
          {callbacks.data.items.slice(0, 8).map((c) => (
            <Group key={c.id} gap={6} wrap="nowrap">
              <Link to={paths.request(c.requestId)} size="xs">
                {t('phone.callbackItem', {
                  ref: c.ref,
                  window: t(`phone.window.${c.window}`),
                  at: formatDateTime(c.dueAt, i18n.language),
                })}
              </Link>
              {c.breached && (
                <Badge size="xs" color="red">
                  {t('phone.slaBreached')}
                </Badge>
              )}
            </Group>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
