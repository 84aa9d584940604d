import { Paper, Stack, Tabs, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AuditLog } from '../components/audit-log.tsx';
import { IntakeSettingsPanel } from '../components/intake-settings.tsx';
import { OrganisationSettingsPanel } from '../components/organisation-settings.tsx';
import { PhoneLineSettings } from '../components/phone-line-settings.tsx';
import { ProtocolEditor } from '../components/protocol-editor.tsx';
import { UsersAdmin } from '../components/users-admin.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

type AdminTab = 'accounts' | 'protocol' | 'intake' | 'phone' | 'organisation';

export function AdminPage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  usePageTitle(t('admin.title'));
  const showAccounts = hasPermission(user, 'user.manage') || hasPermission(user, 'audit.read');
  const showProtocol = hasPermission(user, 'protocol.manage');
  const showIntake = hasPermission(user, 'settings.manage');
  const [tab, setTab] = useState<AdminTab>(showAccounts ? 'accounts' : showProtocol ? 'protocol' : 'intake');
  return (
    <Stack gap="md">
      <Title order={1} size="h3">
        {t('admin.title')}
      </Title>
      <Tabs value={tab} onChange={(v) => v && setTab(v as AdminTab)}>
        <Tabs.List aria-label={t('admin.tabs.label')}>
          {showAccounts && (
            <Tabs.Tab value="accounts" data-testid="admin-tab-accounts">
              {t('admin.tabs.accounts')}
            </Tabs.Tab>
          )}
          {showProtocol && (
            <Tabs.Tab value="protocol" data-testid="admin-tab-protocol">
              {t('admin.tabs.protocol')}
            </Tabs.Tab>
          )}
          {showIntake && (
            <Tabs.Tab value="intake" data-testid="admin-tab-intake">
              {t('admin.tabs.intake')}
            </Tabs.Tab>
          )}
          {showIntake && (
            <Tabs.Tab value="phone" data-testid="admin-tab-phone">
              {t('phone.settings.tab')}
            </Tabs.Tab>
          )}
          {showIntake && (
            <Tabs.Tab value="organisation" data-testid="admin-tab-organisation">
              {t('admin.tabs.organisation')}
            </Tabs.Tab>
          )}
        </Tabs.List>
        {showAccounts && (
          <Tabs.Panel value="accounts" pt="md">
            <Stack gap="md">
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
          </Tabs.Panel>
        )}
        {showProtocol && (
          <Tabs.Panel value="protocol" pt="md">
            {tab === 'protocol' && (
              <Paper withBorder p="sm">
                <ProtocolEditor />
              </Paper>
            )}
          </Tabs.Panel>
        )}
        {showIntake && (
          <Tabs.Panel value="intake" pt="md">
            <Paper withBorder p="sm">
              <IntakeSettingsPanel />
            </Paper>
          </Tabs.Panel>
        )}
        {showIntake && (
          <Tabs.Panel value="phone" pt="md">
            {tab === 'phone' && (
              <Paper withBorder p="sm">
                <PhoneLineSettings />
              </Paper>
            )}
          </Tabs.Panel>
        )}
        {showIntake && (
          <Tabs.Panel value="organisation" pt="md">
            {tab === 'organisation' && (
              <Paper withBorder p="sm">
                <OrganisationSettingsPanel />
              </Paper>
            )}
          </Tabs.Panel>
        )}
      </Tabs>
    </Stack>
  );
}
