import { Paper, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ChangePasswordForm } from '../components/change-password-form.tsx';
import { MyLanguages } from '../components/language-routing.tsx';
import { SecurityKeys } from '../components/security-keys.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';

export function SettingsPage() {
  const { t } = useTranslation();
  usePageTitle(t('settings.title'));
  return (
    <Stack gap="md" maw={900}>
      <Title order={1} size="h3">
        {t('settings.title')}
      </Title>
      <Paper withBorder p="sm">
        <MyLanguages />
      </Paper>
      <Paper withBorder p="sm">
        <SecurityKeys />
      </Paper>
      <Paper withBorder p="sm">
        <Stack gap="sm">
          <Title order={2} size="h4">
            {t('password.settingsTitle')}
          </Title>
          <ChangePasswordForm />
        </Stack>
      </Paper>
    </Stack>
  );
}
