import {
  Alert,
  Button,
  Group,
  Image,
  Loader,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  CHANNEL_KINDS as PUBLIC_CHANNEL_KINDS,
  type PublicChannelKind,
} from '../../../src/settings/public-channels.ts';
import type { OrganisationSettings } from '../../../src/settings/settings.schemas.ts';
import { getOrganisation, setOrganisation, setOrganisationLogo } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';

type Channel = OrganisationSettings['channels'][number];

function toBase64(file: File): Promise<string> {
  return file.arrayBuffer().then((buf) => {
    let s = '';
    const bytes = new Uint8Array(buf);
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
}

/** The admin's page for the organisation's face: name, description, logo, public channels and mirrors. */
export function OrganisationSettingsPanel() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const org = useQuery({
    queryKey: queryKeys.organisation,
    queryFn: ({ signal }) => getOrganisation(signal),
  });
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [channels, setChannels] = useState<Channel[]>([]);
  useEffect(() => {
    if (!org.data) return;
    setName(org.data.name);
    setDescription(org.data.description);
    setChannels(org.data.channels);
  }, [org.data]);

  const done = (o: OrganisationSettings, message: string) => {
    queryClient.setQueryData(queryKeys.organisation, o);
    notifySuccess(message);
  };
  const save = useMutation({
    mutationFn: () =>
      setOrganisation({ name, description, channels: channels.filter((c) => c.value.trim()) }),
    onSuccess: (o) => done(o, t('admin.organisation.saved')),
    onError: (e) => notifyError(t, e),
  });
  const logo = useMutation({
    mutationFn: async (file: File | null) => setOrganisationLogo(file ? await toBase64(file) : null),
    onSuccess: (o) => done(o, t('admin.organisation.logoSaved')),
    onError: (e) => notifyError(t, e),
  });

  if (org.isPending) return <Loader size="sm" aria-label={t('app.loading')} />;
  if (org.isError)
    return (
      <Alert color="red" role="alert">
        {describeError(t, org.error)}
      </Alert>
    );

  const kindOptions = PUBLIC_CHANNEL_KINDS.map((k) => ({
    value: k,
    label: t(`admin.organisation.kind.${k}`),
  }));
  return (
    <Stack gap="sm" maw={760} data-testid="organisation-settings">
      <Title order={2} size="h4">
        {t('admin.organisation.title')}
      </Title>
      <Text size="sm">{t('admin.organisation.intro')}</Text>
      <TextInput
        label={t('admin.organisation.name')}
        value={name}
        maxLength={80}
        onChange={(e) => setName(e.currentTarget.value)}
        data-testid="organisation-name"
      />
      <Textarea
        label={t('admin.organisation.description')}
        value={description}
        maxLength={400}
        autosize
        minRows={2}
        onChange={(e) => setDescription(e.currentTarget.value)}
        data-testid="organisation-description"
      />
      <Title order={3} size="h5">
        {t('admin.organisation.channels')}
      </Title>
      <Text size="xs" c="dimmed">
        {t('admin.organisation.channelsHint')}
      </Text>
      {channels.map((c, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own while edited
        <Group key={i} gap="xs" align="flex-end" wrap="nowrap">
          <Select
            aria-label={t('admin.organisation.kindLabel')}
            data={kindOptions}
            value={c.kind}
            allowDeselect={false}
            w={170}
            onChange={(v) =>
              setChannels(
                channels.map((x, j) => (j === i ? { ...x, kind: (v ?? 'phone') as PublicChannelKind } : x)),
              )
            }
          />
          <TextInput
            aria-label={t('admin.organisation.valueLabel')}
            value={c.value}
            flex={1}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setChannels(channels.map((x, j) => (j === i ? { ...x, value } : x)));
            }}
            data-testid={`organisation-channel-${i}`}
          />
          <Button
            variant="subtle"
            color="red"
            onClick={() => setChannels(channels.filter((_, j) => j !== i))}
          >
            {t('admin.organisation.remove')}
          </Button>
        </Group>
      ))}
      <Group>
        <Button
          variant="light"
          onClick={() => setChannels([...channels, { kind: 'phone', value: '' }])}
          data-testid="organisation-add-channel"
        >
          {t('admin.organisation.add')}
        </Button>
        <Button onClick={() => save.mutate()} loading={save.isPending} data-testid="organisation-save">
          {t('admin.organisation.save')}
        </Button>
      </Group>
      <Title order={3} size="h5">
        {t('admin.organisation.logo')}
      </Title>
      {org.data.logo && (
        <Image
          src={`/org/logo.png?v=${org.data.logo}`}
          alt={t('admin.organisation.logo')}
          w={96}
          h={96}
          fit="contain"
        />
      )}
      <Group>
        <input
          type="file"
          accept="image/png,image/jpeg,image/webp"
          aria-label={t('admin.organisation.upload')}
          data-testid="organisation-logo"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) logo.mutate(f);
          }}
        />
        {org.data.logo && (
          <Button variant="subtle" color="red" onClick={() => logo.mutate(null)}>
            {t('admin.organisation.removeLogo')}
          </Button>
        )}
      </Group>
      <Text size="xs" c="dimmed">
        {t('admin.organisation.audited')}
      </Text>
    </Stack>
  );
}
