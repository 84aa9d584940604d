import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreatedUser, UserSummary } from '../../../src/auth/auth.schemas.ts';
import { ROLES, type Role } from '../../../src/auth/roles.ts';
import { createUser, grantOrgKey, listUsers, resetTotp, setUserDisabled } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { useCurrentUser } from '../lib/session.tsx';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { UserLanguagesCell } from './language-routing.tsx';
import { SecretField } from './secret-field.tsx';

type Pending =
  | { action: 'disable'; user: UserSummary }
  | { action: 'reset'; user: UserSummary }
  | { action: 'grant'; user: UserSummary };

type Secrets =
  | { kind: 'created'; email: string; oneTimePassword: string; totpUri: string }
  | { kind: 'reset'; email: string; totpUri: string };

export function UsersAdmin() {
  const { t, i18n } = useTranslation();
  const me = useCurrentUser();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [pending, setPending] = useState<Pending | null>(null);
  const [secrets, setSecrets] = useState<Secrets | null>(null);

  const users = useQuery({ queryKey: queryKeys.users, queryFn: listUsers });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.users });
    void queryClient.invalidateQueries({ queryKey: queryKeys.directory });
  };

  const disable = useMutation({
    mutationFn: ({ id, disabled }: { id: string; disabled: boolean }) => setUserDisabled(id, disabled),
    onSuccess: () => {
      setPending(null);
      notifySuccess(t('admin.users.done'));
      refresh();
    },
    onError: (e) => notifyError(t, e),
  });
  const reset = useMutation({
    mutationFn: (u: UserSummary) => resetTotp(u.id),
    onSuccess: (r, u) => {
      setPending(null);
      setSecrets({ kind: 'reset', email: u.email, totpUri: r.totpUri });
    },
    onError: (e) => notifyError(t, e),
  });
  const grant = useMutation({
    mutationFn: (id: string) => grantOrgKey(id),
    onSuccess: () => {
      setPending(null);
      notifySuccess(t('admin.users.done'));
      refresh();
    },
    onError: (e) => notifyError(t, e),
  });

  function confirmPending() {
    if (!pending) return;
    if (pending.action === 'disable') disable.mutate({ id: pending.user.id, disabled: true });
    else if (pending.action === 'reset') reset.mutate(pending.user);
    else grant.mutate(pending.user.id);
  }

  const pendingMessage =
    pending?.action === 'disable'
      ? t('admin.users.disableConfirm', { email: pending.user.email })
      : pending?.action === 'reset'
        ? t('admin.users.resetConfirm', { email: pending.user.email })
        : pending
          ? t('admin.users.grantConfirm', { email: pending.user.email })
          : '';

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2} size="h4">
          {t('admin.users.title')}
        </Title>
        <Button size="xs" onClick={() => setCreating(true)} data-testid="user-create-open">
          {t('admin.users.create')}
        </Button>
      </Group>
      {users.isError && (
        <Alert color="red" role="alert">
          {describeError(t, users.error)}
        </Alert>
      )}
      <div className="wf-table-scroll">
        <Table verticalSpacing={6} aria-label={t('admin.users.title')} data-testid="users-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('admin.users.email')}</Table.Th>
              <Table.Th scope="col">{t('admin.users.role')}</Table.Th>
              <Table.Th scope="col">{t('routing.column')}</Table.Th>
              <Table.Th scope="col">{t('admin.users.key')}</Table.Th>
              <Table.Th scope="col">{t('admin.users.state')}</Table.Th>
              <Table.Th scope="col">{t('admin.users.created')}</Table.Th>
              <Table.Th scope="col">{t('admin.users.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(users.data?.items ?? []).map((u) => {
              const self = u.id === me.id;
              return (
                <Table.Tr key={u.id} data-testid={`user-row-${u.id}`}>
                  <Table.Td>
                    {u.email}
                    {self && (
                      <Text span size="xs" c="dimmed">
                        {' '}
                        ({t('admin.users.self')})
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{t(`roles.${u.role}`)}</Table.Td>
                  <Table.Td miw={160}>
                    <UserLanguagesCell id={u.id} languages={u.languages} />
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={u.hasOrgKey ? 'teal' : 'gray'} tt="none">
                      {u.hasOrgKey ? t('admin.users.hasKey') : t('admin.users.noKey')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <Badge variant="light" color={u.disabled ? 'red' : 'green'} tt="none">
                        {u.disabled ? t('admin.users.disabled') : t('admin.users.active')}
                      </Badge>
                      {u.mustChangePassword && (
                        <Badge variant="outline" color="orange" tt="none">
                          {t('admin.users.mustChange')}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td className="wf-nowrap">{formatDateTime(u.createdAt, i18n.language)}</Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      {u.disabled ? (
                        <Button
                          size="compact-xs"
                          variant="default"
                          onClick={() => disable.mutate({ id: u.id, disabled: false })}
                          data-testid={`user-enable-${u.id}`}
                        >
                          {t('admin.users.enable')}
                        </Button>
                      ) : (
                        <Button
                          size="compact-xs"
                          variant="light"
                          color="red"
                          disabled={self}
                          onClick={() => setPending({ action: 'disable', user: u })}
                          data-testid={`user-disable-${u.id}`}
                        >
                          {t('admin.users.disable')}
                        </Button>
                      )}
                      <Button
                        size="compact-xs"
                        variant="default"
                        onClick={() => setPending({ action: 'reset', user: u })}
                      >
                        {t('admin.users.resetTotp')}
                      </Button>
                      {!u.hasOrgKey && (
                        <Button
                          size="compact-xs"
                          variant="default"
                          disabled={!me.hasOrgKey}
                          onClick={() => setPending({ action: 'grant', user: u })}
                        >
                          {t('admin.users.grant')}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </div>

      {creating && (
        <CreateUserModal
          canGrantKey={me.hasOrgKey}
          onClose={() => setCreating(false)}
          onCreated={(u) => {
            setCreating(false);
            refresh();
            setSecrets({
              kind: 'created',
              email: u.email,
              oneTimePassword: u.oneTimePassword,
              totpUri: u.totpUri,
            });
          }}
        />
      )}
      <ConfirmDialog
        opened={pending !== null}
        title={t('admin.users.title')}
        message={pendingMessage}
        danger={pending?.action !== 'grant'}
        loading={disable.isPending || reset.isPending || grant.isPending}
        onCancel={() => setPending(null)}
        onConfirm={confirmPending}
      />
      <SecretsModal secrets={secrets} onClose={() => setSecrets(null)} />
    </Stack>
  );
}

function CreateUserModal({
  canGrantKey,
  onClose,
  onCreated,
}: {
  canGrantKey: boolean;
  onClose(): void;
  onCreated(u: CreatedUser): void;
}) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('operator');
  // Every role that reads requests (operators, supervisors, registrars, liaisons) needs the key: on by default.
  const [grantKey, setGrantKey] = useState(canGrantKey);
  const create = useMutation({
    mutationFn: () => createUser({ email: email.trim(), role, grantKey }),
    onSuccess: onCreated,
  });
  return (
    <Modal opened onClose={onClose} title={t('admin.users.create')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (email.trim()) create.mutate();
        }}
      >
        <Stack gap="sm">
          <TextInput
            label={t('admin.users.email')}
            type="email"
            required
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            data-autofocus
            data-testid="user-email"
          />
          <Select
            label={t('admin.users.role')}
            data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
            value={role}
            onChange={(v) => v && setRole(v as Role)}
            allowDeselect={false}
            data-testid="user-role"
          />
          <Checkbox
            label={t('admin.users.grantKey')}
            checked={grantKey}
            disabled={!canGrantKey}
            onChange={(e) => setGrantKey(e.currentTarget.checked)}
            data-testid="user-grant-key"
          />
          {create.isError && (
            <Alert color="red" role="alert">
              {describeError(t, create.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button
              type="submit"
              loading={create.isPending}
              disabled={!email.trim()}
              data-testid="user-create-submit"
            >
              {t('admin.users.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Shown once: closing the modal forgets the secrets (they are not kept in any query cache). */
function SecretsModal({ secrets, onClose }: { secrets: Secrets | null; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={secrets !== null}
      onClose={onClose}
      closeOnClickOutside={false}
      size="lg"
      title={
        secrets?.kind === 'created'
          ? t('admin.users.createdTitle', { email: secrets.email })
          : t('admin.users.resetTitle', { email: secrets?.email ?? '' })
      }
    >
      {secrets && (
        <Stack gap="sm">
          <Alert color="orange">{t('admin.users.createdIntro')}</Alert>
          {secrets.kind === 'created' && (
            <SecretField
              label={t('admin.users.oneTimePassword')}
              value={secrets.oneTimePassword}
              testId="secret-password"
            />
          )}
          <SecretField label={t('admin.users.totpUri')} value={secrets.totpUri} testId="secret-totp" />
          <Group justify="flex-end">
            <Button onClick={onClose} data-testid="secrets-close">
              {t('app.close')}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
