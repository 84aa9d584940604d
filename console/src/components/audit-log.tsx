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
import type { TFunction } from 'i18next';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEntry, AuditQuery } from '../../../src/audit/audit.schemas.ts';
import {
  AUDIT_CHECKPOINTS_EXPORT_URL,
  listAudit,
  listAuditCheckpoints,
  verifyAudit,
  writeAuditCheckpoint,
} from '../api.ts';
import { useDirectory } from '../hooks/use-directory.ts';
import {
  AUDIT_ACTIONS,
  auditActionLabel,
  auditFieldLabel,
  auditSubjectLabel,
  auditSubjectPath,
} from '../lib/audit-labels.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { Link } from '../lib/router.tsx';

const PAGE = 50;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One detail value in words: times formatted, people by name, lists joined, nested objects flattened. */
function detailValue(
  v: unknown,
  ctx: { t: TFunction; lang: string; person: (id: string) => string | undefined },
): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? ctx.t('admin.audit.yes') : ctx.t('admin.audit.no');
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    if (ISO_TIME.test(v)) return formatDateTime(v, ctx.lang);
    if (UUID.test(v)) return ctx.person(v) ?? `${v.slice(0, 8)}…`;
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => detailValue(x, ctx)).join(', ');
  if (typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${auditFieldLabel(ctx.t, k)}: ${detailValue(x, ctx)}`)
      .join('; ');
  return String(v);
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
  const [action, setAction] = useState<string | null>(null);
  const [actorId, setActorId] = useState<string | null>(null);
  const [subjectId, setSubjectId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
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
  const actionOptions = useMemo(
    () =>
      AUDIT_ACTIONS.map((a) => ({ value: a, label: auditActionLabel(t, a) })).sort((a, b) =>
        a.label.localeCompare(b.label, i18n.language),
      ),
    [t, i18n.language],
  );
  const person = (id: string) => byId.get(id)?.email;
  const detailCtx = { t, lang: i18n.language, person };

  function onFilter(e: FormEvent) {
    e.preventDefault();
    const q: AuditQuery = { limit: PAGE };
    if (action) q.action = action;
    if (actorId) q.actorId = actorId;
    if (subjectId.trim()) q.subjectId = subjectId.trim();
    if (from) q.from = from;
    if (to) q.to = to;
    setApplied(q);
  }

  function onClear() {
    setAction(null);
    setActorId(null);
    setSubjectId('');
    setFrom('');
    setTo('');
    setApplied({ limit: PAGE });
  }

  function actorLabel(entry: AuditEntry): string {
    if (!entry.actorId) {
      if (entry.actorType === 'requester') return t('admin.audit.requester');
      if (entry.actorType === 'cli') return t('admin.audit.cli');
      return t('admin.audit.system');
    }
    return person(entry.actorId) ?? `${entry.actorId.slice(0, 8)}…`;
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

      <form onSubmit={onFilter} data-testid="audit-filters">
        <Group gap="sm" align="flex-end">
          <Select
            label={t('admin.audit.event')}
            placeholder={t('admin.audit.anyEvent')}
            data={actionOptions}
            value={action}
            onChange={setAction}
            searchable
            clearable
            size="xs"
            w={280}
            data-testid="audit-filter-event"
          />
          <Select
            label={t('admin.audit.actor')}
            placeholder={t('admin.audit.anyone')}
            data={people.map((u) => ({ value: u.id, label: u.email }))}
            value={actorId}
            onChange={setActorId}
            searchable
            clearable
            size="xs"
            w={240}
            data-testid="audit-filter-actor"
          />
          <TextInput
            type="date"
            label={t('admin.audit.fromDate')}
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
            size="xs"
            w={150}
            data-testid="audit-filter-from"
          />
          <TextInput
            type="date"
            label={t('admin.audit.toDate')}
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            size="xs"
            w={150}
            data-testid="audit-filter-to"
          />
          <TextInput
            label={t('admin.audit.subject')}
            value={subjectId}
            onChange={(e) => setSubjectId(e.currentTarget.value)}
            spellCheck={false}
            size="xs"
            w={280}
          />
          <Button type="submit" size="xs" variant="default" data-testid="audit-filter-apply">
            {t('admin.audit.filter')}
          </Button>
          <Button size="xs" variant="subtle" onClick={onClear}>
            {t('admin.audit.clear')}
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
                <Table.Th scope="col">{t('admin.audit.event')}</Table.Th>
                <Table.Th scope="col">{t('admin.audit.target')}</Table.Th>
                <Table.Th scope="col">{t('admin.audit.details')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((e) => {
                const to = auditSubjectPath(e.subjectType, e.subjectId);
                const subject = e.subjectType
                  ? `${auditSubjectLabel(t, e.subjectType)}${
                      e.subjectId && e.subjectType !== 'user' ? ` ${e.subjectId.slice(0, 8)}` : ''
                    }${e.subjectType === 'user' && e.subjectId ? ` ${person(e.subjectId) ?? ''}` : ''}`
                  : '';
                const details = Object.entries(e.details ?? {});
                return (
                  <Table.Tr key={e.id} data-testid="audit-row" data-action={e.action}>
                    <Table.Td>{e.seq ?? '…'}</Table.Td>
                    <Table.Td className="wf-nowrap">{formatDateTime(e.at, i18n.language)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" lineClamp={1} data-testid="audit-actor">
                        {actorLabel(e)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" title={e.action} data-testid="audit-event">
                        {auditActionLabel(t, e.action)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {to ? (
                        <Link to={to} data-testid="audit-target">
                          {subject}
                        </Link>
                      ) : (
                        <Text size="sm" title={e.subjectId ?? undefined} data-testid="audit-target">
                          {subject}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {details.length > 0 && (
                        <dl className="wf-audit-details" data-testid="audit-details">
                          {details.map(([k, v]) => (
                            <div key={k}>
                              <dt>{auditFieldLabel(t, k)}</dt>
                              <dd>{detailValue(v, detailCtx)}</dd>
                            </div>
                          ))}
                        </dl>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      )}
      <Group justify="space-between">
        <Text size="xs" c="dimmed" data-testid="audit-shown">
          {t('admin.audit.shown', { count: items.length })}
        </Text>
        {entries.hasNextPage && (
          <Button
            size="xs"
            variant="default"
            onClick={() => void entries.fetchNextPage()}
            loading={entries.isFetchingNextPage}
            data-testid="audit-more"
          >
            {t('app.loadMore')}
          </Button>
        )}
      </Group>
    </Stack>
  );
}
