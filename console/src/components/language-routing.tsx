import { Alert, Loader, MultiSelect, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { WORK_LANGUAGES } from '../../../src/i18n/languages.ts';
import {
  getLanguagesWaiting,
  getMyLanguages,
  getRoutingSettings,
  setMyLanguages,
  setRoutingSettings,
  setUserLanguages,
} from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { languageName } from '../lib/labels.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';

const ROUTING_KEY = ['routing-settings'] as const;
const WAITING_KEY = ['languages-waiting'] as const;
const MY_KEY = ['my-languages'] as const;

/** Options for a language picker: the usual ones plus any already chosen. */
function useLanguageOptions(chosen: readonly string[]) {
  const { t } = useTranslation();
  return [...new Set([...WORK_LANGUAGES, ...chosen])].map((l) => ({
    value: l,
    label: `${languageName(t, l)} (${l})`,
  }));
}

/** The operator's own working languages (settings page). */
export function MyLanguages() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mine = useQuery({ queryKey: MY_KEY, queryFn: ({ signal }) => getMyLanguages(signal) });
  const save = useMutation({
    mutationFn: setMyLanguages,
    onSuccess: (r) => {
      queryClient.setQueryData(MY_KEY, r);
      notifySuccess(t('routing.saved'));
    },
    onError: (e) => notifyError(t, e),
  });
  const value = mine.data?.languages ?? [];
  const options = useLanguageOptions(value);
  return (
    <Stack gap="xs" data-testid="my-languages">
      <Title order={2} size="h4">
        {t('routing.myTitle')}
      </Title>
      {mine.isError ? (
        <Alert color="red" role="alert">
          {describeError(t, mine.error)}
        </Alert>
      ) : (
        <MultiSelect
          label={t('routing.myTitle')}
          description={t('routing.myHint')}
          data={options}
          value={value}
          searchable
          disabled={mine.isPending || save.isPending}
          onChange={(v) => save.mutate(v)}
          data-testid="my-languages-select"
        />
      )}
    </Stack>
  );
}

/** An admin edits another user's working languages (user admin table cell). */
export function UserLanguagesCell({ id, languages }: { id: string; languages: string[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (v: string[]) => setUserLanguages(id, v),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.users });
      notifySuccess(t('routing.saved'));
    },
    onError: (e) => notifyError(t, e),
  });
  const value = save.isPending ? (save.variables ?? languages) : languages;
  return (
    <MultiSelect
      aria-label={t('routing.column')}
      size="xs"
      data={useLanguageOptions(value)}
      value={value}
      searchable
      disabled={save.isPending}
      onChange={(v) => save.mutate(v)}
      data-testid={`user-languages-${id}`}
    />
  );
}

/** The supervisor's switch and the languages waiting for someone on shift. */
export function LanguageRoutingPanel() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ROUTING_KEY, queryFn: ({ signal }) => getRoutingSettings(signal) });
  const waiting = useQuery({
    queryKey: WAITING_KEY,
    queryFn: ({ signal }) => getLanguagesWaiting(signal),
    refetchInterval: 30_000,
  });
  const save = useMutation({
    mutationFn: (autoAssignByLanguage: boolean) => setRoutingSettings({ autoAssignByLanguage }),
    onSuccess: (s) => queryClient.setQueryData(ROUTING_KEY, s),
    onError: (e) => notifyError(t, e),
  });
  const on = save.isPending ? (save.variables ?? false) : (settings.data?.autoAssignByLanguage ?? false);
  return (
    <Stack gap="sm" data-testid="language-routing">
      <Title order={2} size="h4">
        {t('routing.title')}
      </Title>
      <Text size="sm">{t('routing.intro')}</Text>
      {settings.isPending ? (
        <Loader size="sm" aria-label={t('app.loading')} />
      ) : (
        <Switch
          label={t('routing.switch')}
          checked={on}
          disabled={save.isPending}
          onChange={(e) => save.mutate(e.currentTarget.checked)}
          data-testid="routing-auto-assign"
        />
      )}
      <Text size="xs" c="dimmed">
        {t('routing.audited')}
      </Text>
      <Title order={3} size="h5">
        {t('routing.waitingTitle')}
      </Title>
      {waiting.isError && (
        <Alert color="red" role="alert">
          {describeError(t, waiting.error)}
        </Alert>
      )}
      {waiting.data && (
        <>
          <Text size="sm" data-testid="languages-on-shift">
            {t('routing.onShift')}:{' '}
            {waiting.data.onShift.map((l) => languageName(t, l)).join(', ') || t('app.none')}
          </Text>
          {waiting.data.waiting.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('routing.waitingNone')}
            </Text>
          ) : (
            <Table data-testid="languages-waiting" aria-label={t('routing.waitingTitle')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('routing.language')}</Table.Th>
                  <Table.Th scope="col">{t('routing.waiting')}</Table.Th>
                  <Table.Th scope="col">{t('routing.oldest')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {waiting.data.waiting.map((w) => (
                  <Table.Tr key={w.language} data-testid={`language-waiting-${w.language}`}>
                    <Table.Td>
                      {languageName(t, w.language)} ({w.language})
                    </Table.Td>
                    <Table.Td>{w.waiting}</Table.Td>
                    <Table.Td className="wf-nowrap">{formatDateTime(w.oldestAt, i18n.language)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </>
      )}
    </Stack>
  );
}
