import { Alert, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { markProbe } from '../api.ts';
import { describeError } from '../lib/errors.ts';

interface Props {
  requestId: string;
  opened: boolean;
  onClose(): void;
  onDone(): void;
}

export function ProbeModal({ requestId, opened, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const probe = useMutation({
    mutationFn: () => markProbe(requestId, reason.trim()),
    onSuccess: () => {
      setReason('');
      onDone();
    },
  });

  return (
    <Modal opened={opened} onClose={onClose} title={t('request.probe.title')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) probe.mutate();
        }}
      >
        <Stack gap="sm">
          <Text size="sm">{t('request.probe.intro')}</Text>
          <Textarea
            label={t('request.probe.reason')}
            required
            autosize
            minRows={2}
            maxLength={500}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            data-autofocus
            data-testid="probe-reason"
          />
          {probe.isError && (
            <Alert color="red" role="alert">
              {describeError(t, probe.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button
              type="submit"
              color="red"
              loading={probe.isPending}
              disabled={!reason.trim()}
              data-testid="probe-submit"
            >
              {t('request.probe.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
