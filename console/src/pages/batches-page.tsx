import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  BATCH_STATUSES,
  type BatchFormat,
  type BatchStatus,
  DELIVERY_METHODS,
  type DeliveryMethod,
  INPUT_EVENT_TYPES as POW_EVENT_TYPES,
} from '../../../src/pow/pow.lists.ts';
import type { NotificationBatch } from '../../../src/pow/pow.schemas.ts';
import {
  batchExportUrl,
  buildBatch,
  getBatchPending,
  isApiError,
  listBatches,
  markBatchDelivered,
  voidBatch,
} from '../api.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { Pager, RegistryFrame } from '../components/registry-ui.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

const LIMIT = 20;
const ALL = 'all';
const FORMATS: BatchFormat[] = ['json', 'sig', 'csv', 'pdf'];
const KEYS_URL = '/.well-known/whiteflag/notification-keys.json';

const BATCH_COLORS: Record<BatchStatus, string> = { built: 'orange', delivered: 'teal', void: 'gray' };

/** A batch's content label (`record.new`, `event.arrival`) in words. */
export function countLabel(t: TFunction, label: string): string {
  if (label === 'record.new') return t('registry.batches.countLabels.new');
  if (label === 'record.changed') return t('registry.batches.countLabels.changed');
  const event = label.startsWith('event.') ? label.slice('event.'.length) : null;
  if (event === 'capture' || (event && (POW_EVENT_TYPES as readonly string[]).includes(event)))
    return t(`pow.eventType.${event as 'capture'}`);
  return label;
}

/**
 * Notification batches for the Central Prisoners of War Agency: what is pending, building and
 * signing a batch, the signed files, and the delivery log (delivered or void).
 */
export function BatchesPage() {
  const { t, i18n } = useTranslation();
  const user = useCurrentUser();
  const canManage = hasPermission(user, 'batch.manage');
  const queryClient = useQueryClient();
  usePageTitle(t('registry.batches.title'));
  const [status, setStatus] = useState<BatchStatus | typeof ALL>(ALL);
  const [offset, setOffset] = useState(0);
  const [delivering, setDelivering] = useState<NotificationBatch | null>(null);
  const [voiding, setVoiding] = useState<NotificationBatch | null>(null);
  // Signing is final (a batch can only be voided after): what goes in is shown first.
  const [confirmBuild, setConfirmBuild] = useState(false);

  const pending = useQuery({
    queryKey: queryKeys.batchPending,
    queryFn: ({ signal }) => getBatchPending(signal),
  });
  const q = { status: status === ALL ? undefined : status, offset };
  const list = useQuery({
    queryKey: queryKeys.batches(q),
    queryFn: ({ signal }) => listBatches({ ...q, limit: LIMIT }, signal),
    placeholderData: keepPreviousData,
  });

  const build = useMutation({
    mutationFn: () => buildBatch(),
    onSuccess: ({ item }) => {
      notifySuccess(t('registry.batches.built', { number: item.number }));
      setStatus(ALL);
      setOffset(0);
      void queryClient.invalidateQueries({ queryKey: queryKeys.powAll });
    },
    onError: (e) => {
      if (isApiError(e) && e.code === 'conflict') notifySuccess(t('registry.batches.nothingPending'));
      else notifyError(t, e);
      void queryClient.invalidateQueries({ queryKey: queryKeys.batchPending });
    },
  });

  const p = pending.data;
  const lang = i18n.language;

  return (
    <RegistryFrame
      title={t('registry.batches.title')}
      testId="batches-page"
      actions={list.isFetching ? <Loader size="xs" aria-label={t('app.loading')} /> : null}
    >
      <Text size="sm" c="dimmed">
        {t('registry.batches.intro')} {t('registry.batches.publicKey')}{' '}
        <Anchor href={KEYS_URL} target="_blank" rel="noreferrer" className="wf-mono">
          {KEYS_URL}
        </Anchor>
      </Text>

      <Paper withBorder p="sm" component="section" data-testid="batches-pending">
        <Group justify="space-between" align="flex-start" gap="sm">
          <Stack gap={6}>
            <Title order={2} size="h5">
              {t('registry.batches.pending.title')}
            </Title>
            {pending.isError && (
              <Text size="sm" c="red">
                {describeError(t, pending.error)}
              </Text>
            )}
            {p &&
              (p.notBatchedTotal === 0 && p.inUndeliveredBatches === 0 ? (
                <Text size="sm" c="dimmed" data-testid="batches-pending-none">
                  {t('registry.batches.pending.none')}
                </Text>
              ) : (
                <dl className="wf-meta-list wf-meta-narrow">
                  <dt>{t('registry.batches.pending.notBatched')}</dt>
                  <dd data-testid="batches-pending-total" data-count={p.notBatchedTotal}>
                    <Group gap={4}>
                      <Text size="sm" fw={700}>
                        {p.notBatchedTotal}
                      </Text>
                      {Object.entries(p.notBatched).map(([label, n]) => (
                        <Badge key={label} size="xs" variant="light" color="gray" tt="none">
                          {countLabel(t, label)}: {n}
                        </Badge>
                      ))}
                    </Group>
                  </dd>
                  <dt>{t('registry.batches.pending.inUndelivered')}</dt>
                  <dd>{p.inUndeliveredBatches}</dd>
                  <dt>{t('registry.batches.pending.oldest')}</dt>
                  <dd>{formatDateTime(p.oldest, lang)}</dd>
                </dl>
              ))}
          </Stack>
          {canManage && (
            <Button
              onClick={() => setConfirmBuild(true)}
              loading={build.isPending}
              disabled={p !== undefined && p.notBatchedTotal === 0}
              data-testid="batch-build"
            >
              {t('registry.batches.build')}
            </Button>
          )}
          <ConfirmDialog
            opened={confirmBuild}
            title={t('registry.batches.confirmBuildTitle')}
            message={t('registry.batches.confirmBuild', {
              count: p?.notBatchedTotal ?? 0,
              kinds: Object.entries(p?.notBatched ?? {})
                .map(([label, n]) => `${countLabel(t, label)}: ${n}`)
                .join('; '),
            })}
            confirmLabel={t('registry.batches.build')}
            loading={build.isPending}
            onCancel={() => setConfirmBuild(false)}
            onConfirm={() => {
              setConfirmBuild(false);
              build.mutate();
            }}
          />
        </Group>
      </Paper>

      <Group gap="sm">
        <SegmentedControl
          size="xs"
          aria-label={t('registry.batches.filter')}
          value={status}
          onChange={(v) => {
            setStatus(v as BatchStatus | typeof ALL);
            setOffset(0);
          }}
          data={[
            { value: ALL, label: t('registry.batches.all') },
            ...BATCH_STATUSES.map((s) => ({ value: s, label: t(`registry.batches.status.${s}`) })),
          ]}
          data-testid="batches-filter"
        />
      </Group>

      {list.isError && (
        <Alert color="red" role="alert">
          {describeError(t, list.error)}
        </Alert>
      )}
      {list.isPending && <Loader aria-label={t('app.loading')} />}
      {list.data &&
        (list.data.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('registry.batches.empty')}
          </Text>
        ) : (
          <div className="wf-table-scroll">
            <Table
              className="wf-badges-full"
              verticalSpacing={6}
              aria-label={t('registry.batches.tableLabel')}
              data-testid="batches-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('registry.batches.columns.number')}</Table.Th>
                  <Table.Th scope="col">{t('registry.batches.columns.status')}</Table.Th>
                  <Table.Th scope="col">{t('registry.batches.columns.counts')}</Table.Th>
                  <Table.Th scope="col">{t('registry.batches.columns.period')}</Table.Th>
                  <Table.Th scope="col">{t('registry.batches.columns.key')}</Table.Th>
                  <Table.Th scope="col">{t('registry.batches.columns.delivery')}</Table.Th>
                  <Table.Th scope="col">
                    <span className="wf-visually-hidden">{t('registry.batches.columns.actions')}</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((b) => (
                  <Table.Tr key={b.id} data-testid={`batch-row-${b.number}`} data-status={b.status}>
                    <Table.Td className="wf-ref">{b.number}</Table.Td>
                    <Table.Td>
                      <Badge color={BATCH_COLORS[b.status]} variant="light" tt="none">
                        {t(`registry.batches.status.${b.status}`)}
                      </Badge>
                      <Text size="xs" c="dimmed" className="wf-nowrap">
                        {formatDateTime(b.createdAt, lang)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {t('registry.batches.columns.items')}: {b.itemCount}
                      </Text>
                      <Group gap={4}>
                        {Object.entries(b.counts).map(([label, n]) => (
                          <Badge key={label} size="xs" variant="outline" color="gray" tt="none">
                            {countLabel(t, label)}: {n}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td className="wf-nowrap">
                      <Text size="xs">
                        {formatDateTime(b.periodFrom, lang)} – {formatDateTime(b.periodTo, lang)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <div className="wf-mono" title={b.keyId}>
                        {b.keyId}
                      </div>
                      <div className="wf-mono wf-hash" title={b.sha256}>
                        {b.sha256}
                      </div>
                    </Table.Td>
                    <Table.Td>
                      {b.status === 'delivered' && (
                        <Text size="xs">
                          {formatDateTime(b.deliveredAt, lang)}
                          <br />
                          {b.deliveryMethod ? t(`registry.batches.methods.${b.deliveryMethod}`) : ''}
                          {b.deliveryReference ? ` · ${b.deliveryReference}` : ''}
                        </Text>
                      )}
                      {b.status === 'void' && (
                        <Text size="xs" c="dimmed">
                          {formatDateTime(b.voidedAt, lang)}
                          <br />
                          {t('registry.batches.voided', { reason: b.voidReason ?? '' })}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {canManage && (
                        <Group gap={4} justify="flex-end" wrap="wrap">
                          <Group
                            gap={2}
                            wrap="nowrap"
                            role="group"
                            aria-label={t('registry.batches.download')}
                          >
                            {FORMATS.map((f) => (
                              <Button
                                key={f}
                                component="a"
                                href={batchExportUrl(b.id, f)}
                                download
                                size="compact-xs"
                                variant="default"
                                data-testid={`batch-download-${f}`}
                              >
                                {t(`registry.batches.formats.${f}`)}
                              </Button>
                            ))}
                          </Group>
                          {b.status === 'built' && (
                            <>
                              <Button
                                size="compact-xs"
                                variant="light"
                                color="teal"
                                onClick={() => setDelivering(b)}
                                data-testid="batch-deliver"
                              >
                                {t('registry.batches.deliver.button')}
                              </Button>
                              <Button
                                size="compact-xs"
                                variant="light"
                                color="red"
                                onClick={() => setVoiding(b)}
                                data-testid="batch-void"
                              >
                                {t('registry.batches.void.button')}
                              </Button>
                            </>
                          )}
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        ))}
      {list.data && list.data.total > 0 && (
        <Pager
          offset={offset}
          limit={LIMIT}
          count={list.data.items.length}
          total={list.data.total}
          onOffset={setOffset}
          testId="batches-pager"
        />
      )}
      {delivering && <DeliverModal batch={delivering} onClose={() => setDelivering(null)} />}
      {voiding && <VoidModal batch={voiding} onClose={() => setVoiding(null)} />}
    </RegistryFrame>
  );
}

function DeliverModal({ batch, onClose }: { batch: NotificationBatch; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [method, setMethod] = useState<DeliveryMethod>('email');
  const [reference, setReference] = useState('');
  const deliver = useMutation({
    mutationFn: () => markBatchDelivered(batch.id, { method, reference: reference.trim() }),
    onSuccess: () => {
      notifySuccess(t('registry.batches.deliver.done'));
      void queryClient.invalidateQueries({ queryKey: queryKeys.powAll });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={t('registry.batches.deliver.title', { number: batch.number })}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          deliver.mutate();
        }}
      >
        <Stack gap="sm">
          <Select
            label={t('registry.batches.deliver.method')}
            value={method}
            allowDeselect={false}
            onChange={(v) => v && setMethod(v as DeliveryMethod)}
            data={DELIVERY_METHODS.map((m) => ({ value: m, label: t(`registry.batches.methods.${m}`) }))}
            data-testid="batch-deliver-method"
          />
          <TextInput
            label={t('registry.batches.deliver.reference')}
            value={reference}
            onChange={(e) => setReference(e.currentTarget.value)}
            maxLength={300}
            data-autofocus
            data-testid="batch-deliver-reference"
          />
          {deliver.isError && (
            <Alert color="red" role="alert" p="xs">
              {describeError(t, deliver.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" color="teal" loading={deliver.isPending} data-testid="batch-deliver-submit">
              {t('registry.batches.deliver.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function VoidModal({ batch, onClose }: { batch: NotificationBatch; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const voidIt = useMutation({
    mutationFn: () => voidBatch(batch.id, reason.trim()),
    onSuccess: () => {
      notifySuccess(t('registry.batches.void.done'));
      void queryClient.invalidateQueries({ queryKey: queryKeys.powAll });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={t('registry.batches.void.title', { number: batch.number })}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) voidIt.mutate();
        }}
      >
        <Stack gap="sm">
          <Text size="sm">{t('registry.batches.void.intro')}</Text>
          <Textarea
            label={t('registry.batches.void.reason')}
            withAsterisk
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            maxLength={300}
            autosize
            minRows={2}
            data-autofocus
            data-testid="batch-void-reason"
          />
          {voidIt.isError && (
            <Alert color="red" role="alert" p="xs">
              {describeError(t, voidIt.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button
              type="submit"
              color="red"
              disabled={!reason.trim()}
              loading={voidIt.isPending}
              data-testid="batch-void-submit"
            >
              {t('registry.batches.void.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
