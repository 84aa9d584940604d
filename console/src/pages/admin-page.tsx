import { Paper, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { AuditLog } from '../components/audit-log.tsx';
import { UsersAdmin } from '../components/users-admin.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

export function AdminPage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  usePageTitle(t('admin.title'));
  return (
    <Stack gap="md">
      <Title order={1} size="h3">
        {t('admin.title')}
      </Title>
      {hasPermission(user, 'user.manage') && (
        <Paper withBorder p="sm">
          <UsersAdmin />
        </Paper>
      )}
      {hasPermission(user, 'audit.read') && (
        <Paper withBorder p="sm">
          <AuditLog />
        </Paper>
      )}
    </Stack>
  );
}
