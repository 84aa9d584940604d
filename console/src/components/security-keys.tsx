import { Alert, Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SecurityKey } from '../../../src/auth/auth.schemas.ts';
import {
  deleteSecurityKey,
  isApiError,
  listSecurityKeys,
  webauthnRegisterOptions,
  webauthnRegisterVerify,
} from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';

class CeremonyCancelled extends Error {}

/** Register and remove FIDO2/WebAuthn security keys (phishing-resistant second factor). */
export function SecurityKeys() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [deleting, setDeleting] = useState<SecurityKey | null>(null);
  const supported = browserSupportsWebAuthn();

  const keys = useQuery({ queryKey: queryKeys.securityKeys, queryFn: listSecurityKeys });

  const register = useMutation({
    mutationFn: async (keyName: string) => {
      const options = await webauthnRegisterOptions();
      let response: Awaited<ReturnType<typeof startRegistration>>;
      try {
        response = await startRegistration({ optionsJSON: options });
      } catch {
        throw new CeremonyCancelled();
      }
      return webauthnRegisterVerify({ response, name: keyName });
    },
    onSuccess: () => {
      setName('');
      notifySuccess(t('settings.keys.registered'));
      void queryClient.invalidateQueries({ queryKey: queryKeys.securityKeys });
    },
  });

  const remove = useMutation({
    mutationFn: (id: string) => deleteSecurityKey(id),
    onSuccess: () => {
      setDeleting(null);
      notifySuccess(t('settings.keys.deleted'));
      void queryClient.invalidateQueries({ queryKey: queryKeys.securityKeys });
    },
    onError: (e) => notifyError(t, e),
  });

  const registerError = register.error
    ? register.error instanceof CeremonyCancelled || !isApiError(register.error)
      ? t('login.securityKeyCancelled')
      : describeError(t, register.error)
    : null;

  return (
    <Stack gap="sm">
      <Title order={2} size="h4">
        {t('settings.keys.title')}
      </Title>
      <Text size="sm">{t('settings.keys.intro')}</Text>
      {!supported && <Alert color="yellow">{t('login.securityKeyUnsupported')}</Alert>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) register.mutate(name.trim());
        }}
      >
        <Group gap="sm" align="flex-end">
          <TextInput
            label={t('settings.keys.name')}
            placeholder={t('settings.keys.namePlaceholder')}
            required
            maxLength={64}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            w={280}
            data-testid="key-name"
          />
          <Button
            type="submit"
            disabled={!supported || !name.trim()}
            loading={register.isPending}
            data-testid="key-register"
          >
            {t('settings.keys.register')}
          </Button>
        </Group>
      </form>
      {registerError && (
        <Alert color="red" role="alert">
          {registerError}
        </Alert>
      )}
      {keys.isError ? (
        <Alert color="red" role="alert">
          {describeError(t, keys.error)}
        </Alert>
      ) : keys.data && keys.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('settings.keys.empty')}
        </Text>
      ) : (
        <Table verticalSpacing={6} aria-label={t('settings.keys.title')} data-testid="keys-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('settings.keys.name')}</Table.Th>
              <Table.Th scope="col">{t('settings.keys.created')}</Table.Th>
              <Table.Th scope="col">{t('settings.keys.lastUsed')}</Table.Th>
              <Table.Th scope="col" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(keys.data?.items ?? []).map((k) => (
              <Table.Tr key={k.id}>
                <Table.Td>{k.name}</Table.Td>
                <Table.Td>{formatDateTime(k.createdAt, i18n.language)}</Table.Td>
                <Table.Td>
                  {k.lastUsedAt ? formatDateTime(k.lastUsedAt, i18n.language) : t('settings.keys.never')}
                </Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="light" color="red" onClick={() => setDeleting(k)}>
                    {t('app.delete')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ConfirmDialog
        opened={deleting !== null}
        title={t('settings.keys.title')}
        message={t('settings.keys.deleteConfirm', { name: deleting?.name ?? '' })}
        danger
        loading={remove.isPending}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
      />
    </Stack>
  );
}
