import {
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  List,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  AUDIT_CHECKPOINTS_EXPORT_URL,
  listAudit,
  listAuditCheckpoints,
  verifyAudit,
  writeAuditCheckpoint,
} from '../api.ts';
import { useDirectory } from '../hooks/use-directory.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { queryKeys } from '../lib/query-keys.ts';
import type { AuditEntry, AuditQuery } from '../types.ts';

const PAGE = 50;

function detailsText(details: unknown): string {
  if (details === null || details === undefined) return '';
  try {
    return JSON.stringify(details);
  } catch {
    return String(details);
  }
}

/** The signed chain heads kept outside the database: the newest ones, and the whole file to download. */
function AuditCheckpointsPanel() {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const checkpoints = useQuery({
    queryKey: queryKeys.auditCheckpoints,
    queryFn: ({ signal }) => listAuditCheckpoints(signal),
  });
  const write = useMutation({
    mutationFn: writeAuditCheckpoint,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.auditCheckpoints }),
  });
  const data = checkpoints.data;
  return (
    <Stack gap={4} data-testid="audit-checkpoints">
      <Group justify="space-between">
        <Title order={3} size="h5">
          {t('admin.audit.checkpoints.title')}
        </Title>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={() => write.mutate()} loading={write.isPending}>
            {t('admin.audit.checkpoints.now')}
          </Button>
          <Anchor href={AUDIT_CHECKPOINTS_EXPORT_URL} download="audit-checkpoints.jsonl" size="sm">
            {t('admin.audit.checkpoints.export')}
          </Anchor>
        </Group>
      </Group>
      {(checkpoints.isError || write.isError) && (
        <Alert color="red" role="alert">
          {describeError(t, checkpoints.error ?? write.error)}
        </Alert>
      )}
      {data && (
        <Text size="xs" c="dimmed">
          {t('admin.audit.checkpoints.intro', { file: data.file ?? '—', keyId: data.keyId })}{' '}
          <Code>{data.publicKey}</Code>
        </Text>
      )}
      {data && data.items.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('admin.audit.checkpoints.empty')}
        </Text>
      )}
      {data && data.items.length > 0 && (
        <Table verticalSpacing={2} aria-label={t('admin.audit.checkpoints.title')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('admin.audit.seq')}</Table.Th>
              <Table.Th scope="col">{t('admin.audit.at')}</Table.Th>
              <Table.Th scope="col">{t('admin.audit.checkpoints.hash')}</Table.Th>
              <Table.Th scope="col">{t('admin.audit.checkpoints.signature')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.items.slice(0, 10).map((c) => (
              <Table.Tr key={`${c.seq}-${c.at}`}>
                <Table.Td>{c.seq}</Table.Td>
                <Table.Td className="wf-nowrap">{formatDateTime(c.at, i18n.language)}</Table.Td>
                <Table.Td>
                  <Code>{c.hash.slice(0, 16)}…</Code>
                </Table.Td>
                <Table.Td>
                  {c.valid ? t('admin.audit.checkpoints.valid') : t('admin.audit.checkpoints.invalid')}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

export function AuditLog() {
  const { t, i18n } = useTranslation();
  const { list: people, byId } = useDirectory();
  const [action, setAction] = useState('');
  const [actorId, setActorId] = useState<string | null>(null);
  const [subjectId, setSubjectId] = useState('');
  const [applied, setApplied] = useState<AuditQuery>({ limit: PAGE });

  const entries = useInfiniteQuery({
    queryKey: queryKeys.audit(applied),
    queryFn: ({ pageParam, signal }) => listAudit({ ...applied, cursor: pageParam ?? undefined }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
  const items = useMemo<AuditEntry[]>(
    () => entries.data?.pages.flatMap((p) => p.items) ?? [],
    [entries.data],
  );

  const verify = useMutation({ mutationFn: verifyAudit });

  function onFilter(e: FormEvent) {
    e.preventDefault();
    const q: AuditQuery = { limit: PAGE };
    if (action.trim()) q.action = action.trim();
    if (actorId) q.actorId = actorId;
    if (subjectId.trim()) q.subjectId = subjectId.trim();
    setApplied(q);
  }

  function actorLabel(entry: AuditEntry): string {
    if (!entry.actorId) return entry.actorType;
    return byId.get(entry.actorId)?.email ?? `${entry.actorType} ${entry.actorId.slice(0, 8)}`;
  }

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2} size="h4">
          {t('admin.audit.title')}
        </Title>
        <Button
          size="xs"
          variant="light"
          onClick={() => verify.mutate()}
          loading={verify.isPending}
          data-testid="audit-verify"
        >
          {t('admin.audit.verify')}
        </Button>
      </Group>
      <div aria-live="polite">
        {verify.isError && (
          <Alert color="red" role="alert">
            {describeError(t, verify.error)}
          </Alert>
        )}
        {verify.data &&
          (verify.data.ok ? (
            <Alert color="green" data-testid="audit-verify-result" data-ok="true">
              {t('admin.audit.verifyOk', { count: verify.data.checked })}
            </Alert>
          ) : (
            <Alert color="red" data-testid="audit-verify-result" data-ok="false">
              <Text size="sm" fw={600}>
                {t('admin.audit.verifyFail', {
                  count: verify.data.problems.length,
                  checked: verify.data.checked,
                })}
              </Text>
              <List size="xs" mt={4}>
                {verify.data.problems.slice(0, 20).map((p) => (
                  <List.Item key={`${p.id}-${p.problem}`}>
                    #{p.seq ?? '?'} {p.problem}
                  </List.Item>
                ))}
              </List>
            </Alert>
          ))}
      </div>

      <AuditCheckpointsPanel />

      <form onSubmit={onFilter}>
        <Group gap="sm" align="flex-end">
          <TextInput
            label={t('admin.audit.action')}
            placeholder="auth.login"
            value={action}
            onChange={(e) => setAction(e.currentTarget.value)}
            size="xs"
            w={200}
          />
          <Select
            label={t('admin.audit.actor')}
            data={people.map((u) => ({ value: u.id, label: u.email }))}
            value={actorId}
            onChange={setActorId}
            searchable
            clearable
            size="xs"
            w={240}
          />
          <TextInput
            label={t('admin.audit.subject')}
            value={subjectId}
            onChange={(e) => setSubjectId(e.currentTarget.value)}
            spellCheck={false}
            size="xs"
            w={300}
          />
          <Button type="submit" size="xs" variant="default">
            {t('admin.audit.filter')}
          </Button>
        </Group>
      </form>

      {entries.isError && (
        <Alert color="red" role="alert">
          {describeError(t, entries.error)}
        </Alert>
      )}
      {entries.isSuccess && items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('admin.audit.empty')}
        </Text>
      ) : (
        <div className="wf-table-scroll">
          <Table verticalSpacing={4} aria-label={t('admin.audit.tableLabel')} data-testid="audit-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('admin.audit.seq')}</Table.Th>
                <Table.Th scope="col">{t('admin.audit.at')}</Table.Th>
                <Table.Th scope="col">{t('admin.audit.actor')}</Table.Th>
                <Table.Th scope="col">{t('admin.audit.action')}</Table.Th>
                <Table.Th scope="col">{t('admin.audit.subject')}</Table.Th>
                <Table.Th scope="col">{t('admin.audit.details')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>{e.seq ?? '…'}</Table.Td>
                  <Table.Td className="wf-nowrap">{formatDateTime(e.at, i18n.language)}</Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={1}>
                      {actorLabel(e)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Code>{e.action}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" className="wf-ref" title={e.subjectId ?? undefined}>
                      {e.subjectType ?? ''} {e.subjectId ? e.subjectId.slice(0, 8) : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <div className="wf-audit-details">{detailsText(e.details)}</div>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {entries.hasNextPage && (
        <Group justify="center">
          <Button
            size="xs"
            variant="default"
            onClick={() => void entries.fetchNextPage()}
            loading={entries.isFetchingNextPage}
          >
            {t('app.loadMore')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
