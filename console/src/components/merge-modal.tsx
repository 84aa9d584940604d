import { Alert, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RequestLink } from '../../../src/cases/cases.schemas.ts';
import { mergeRequest } from '../api.ts';
import { describeError } from '../lib/errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Props {
  requestId: string;
  related: RequestLink[];
  opened: boolean;
  onClose(): void;
  onDone(intoId: string): void;
}

/** Folds this duplicate into another request, named by its id (related requests are one click). */
export function MergeModal({ requestId, related, opened, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const [target, setTarget] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const merge = useMutation({
    mutationFn: (intoId: string) => mergeRequest(requestId, intoId),
    onSuccess: (_r, intoId) => {
      setTarget('');
      onDone(intoId);
    },
  });

  function submit() {
    const id = target.trim();
    if (!UUID.test(id)) return setInvalid(t('request.merge.invalid'));
    if (id === requestId) return setInvalid(t('request.merge.self'));
    setInvalid(null);
    merge.mutate(id);
  }

  return (
    <Modal opened={opened} onClose={onClose} title={t('request.merge.title')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack gap="sm">
          <Text size="sm">{t('request.merge.intro')}</Text>
          <TextInput
            label={t('request.merge.target')}
            description={t('request.merge.targetHint')}
            required
            value={target}
            onChange={(e) => setTarget(e.currentTarget.value)}
            error={invalid}
            spellCheck={false}
            autoComplete="off"
            data-autofocus
            data-testid="merge-target"
          />
          {related.length > 0 && (
            <Group gap={6}>
              {related.map((r) => (
                <Button key={r.id} size="compact-xs" variant="light" onClick={() => setTarget(r.id)}>
                  {r.ref}
                </Button>
              ))}
            </Group>
          )}
          {merge.isError && (
            <Alert color="red" role="alert">
              {describeError(t, merge.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={merge.isPending} data-testid="merge-submit">
              {t('request.merge.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
