import { Alert, Loader, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { getIntakeSettings, setIntakeSettings } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';

/** The admin's switch for the public form's strict mode (check question, minimum fill time). */
export function IntakeSettingsPanel() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: queryKeys.intakeSettings,
    queryFn: ({ signal }) => getIntakeSettings(signal),
  });
  // The switch changes what every visitor of the public form meets: it is confirmed first.
  // The value asked about outlives the dialog's closing animation, so its text does not flip meanwhile.
  const [ask, setAsk] = useState({ open: false, value: true });
  const closeAsk = () => setAsk((a) => ({ ...a, open: false }));
  const save = useMutation({
    mutationFn: (strictMode: boolean) => setIntakeSettings({ strictMode }),
    onSuccess: (s) => {
      closeAsk();
      queryClient.setQueryData(queryKeys.intakeSettings, s);
      notifySuccess(t(s.strictMode ? 'admin.intake.enabled' : 'admin.intake.disabled'));
    },
    onError: (e) => {
      closeAsk();
      notifyError(t, e);
    },
  });
  const strict = save.isPending ? (save.variables ?? false) : (settings.data?.strictMode ?? false);

  return (
    <Stack gap="sm" maw={760} data-testid="intake-settings">
      <Title order={2} size="h4">
        {t('admin.intake.title')}
      </Title>
      <Text size="sm">{t('admin.intake.intro')}</Text>
      <Text size="sm" c="dimmed">
        {t('admin.intake.scope')}
      </Text>
      {settings.isPending ? (
        <Loader size="sm" aria-label={t('app.loading')} />
      ) : settings.isError ? (
        <Alert color="red" role="alert">
          {describeError(t, settings.error)}
        </Alert>
      ) : (
        <>
          <Switch
            size="md"
            label={t('admin.intake.switch')}
            checked={strict}
            disabled={save.isPending}
            onChange={(e) => setAsk({ open: true, value: e.currentTarget.checked })}
            data-testid="intake-strict"
          />
          <Alert
            color={strict ? 'orange' : 'gray'}
            variant="light"
            p="xs"
            data-testid="intake-state"
            data-strict={strict ? 'true' : 'false'}
          >
            <Text size="sm" fw={strict ? 600 : 400}>
              {strict ? t('admin.intake.on') : t('admin.intake.off')}
            </Text>
          </Alert>
          <Text size="xs" c="dimmed">
            {t('admin.intake.audited')}
          </Text>
          <ConfirmDialog
            opened={ask.open}
            title={t(ask.value ? 'admin.intake.confirmOnTitle' : 'admin.intake.confirmOffTitle')}
            message={t(ask.value ? 'admin.intake.confirmOn' : 'admin.intake.confirmOff')}
            confirmLabel={t(ask.value ? 'admin.intake.confirmOnButton' : 'admin.intake.confirmOffButton')}
            danger={ask.value}
            loading={save.isPending}
            onConfirm={() => save.mutate(ask.value)}
            onCancel={closeAsk}
          />
        </>
      )}
    </Stack>
  );
}
