import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ChangePasswordForm } from '../components/change-password-form.tsx';
import { LanguageSwitch } from '../components/language-switch.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { useSession } from '../lib/session.tsx';

/** First login with a one-time password: nothing else is reachable until it is changed. */
export function ChangePasswordPage() {
  const { t } = useTranslation();
  const { state, endSession } = useSession();
  usePageTitle(t('password.title'));
  return (
    <div className="wf-center">
      <Paper withBorder shadow="sm" p="xl" radius="md" className="wf-auth-card">
        <main>
          <Stack gap="md">
            <Title order={1} size="h3">
              {t('password.title')}
            </Title>
            {state.status === 'changePassword' && (
              <Text size="sm" c="dimmed">
                {state.user.email}
              </Text>
            )}
            <Text size="sm">{t('password.intro')}</Text>
            <ChangePasswordForm />
            <Group justify="space-between">
              <LanguageSwitch />
              <Button variant="subtle" size="xs" onClick={() => void endSession('logged_out')}>
                {t('header.logout')}
              </Button>
            </Group>
          </Stack>
        </main>
      </Paper>
    </div>
  );
}
