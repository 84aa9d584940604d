import { Alert, Badge, Button, Group, Loader, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProtocolIssue, ProtocolPublishResult } from '../../../src/protocol/protocol.schema.ts';
import { getProtocolDefinition, isApiError, listProtocolVersions, publishProtocol } from '../api.ts';
import { useDirectory } from '../hooks/use-directory.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

/** Where a JSON.parse error points, as line and column (V8 reports "at position N"). */
function jsonErrorAt(text: string, message: string): { line: number; column: number } | null {
  // Newer engines already say "(line 1 column 22)": then the message is enough.
  if (/line \d+ column \d+/.test(message)) return null;
  const m = /position (\d+)/.exec(message);
  if (!m) return null;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, column: pos - before.lastIndexOf('\n') };
}

type Parsed =
  | { ok: true; value: unknown }
  | { ok: false; message: string; line: number | null; column: number | null };

function parse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = jsonErrorAt(text, message);
    return { ok: false, message, line: at?.line ?? null, column: at?.column ?? null };
  }
}

/** The next free version for today: YYYY-MM-DD.N, one more than the current if that is today's. */
export function nextVersion(current: string, today = new Date()): string {
  const d = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  const [date, n] = current.split('.');
  if (date === d) return `${d}.${Number(n ?? 0) + 1}`;
  if (date && date > d) return `${date}.${Number(n ?? 0) + 1}`;
  return `${d}.1`;
}

function issuesOf(e: unknown): ProtocolIssue[] | null {
  if (!isApiError(e) || e.code !== 'validation_failed') return null;
  const issues = e.details?.issues;
  if (!Array.isArray(issues)) return null;
  return issues
    .filter((i): i is { path: unknown; message: unknown } => typeof i === 'object' && i !== null)
    .map((i) => ({ path: String(i.path ?? ''), message: String(i.message ?? '') }));
}

/** `steps.3.title` → `steps.3 (front_contact).title`: the step and question ids the admin knows. */
export function labelIssuePath(path: string, definition: unknown): string {
  const parts = path.split('.');
  const out: string[] = [];
  let node: unknown = definition;
  for (const part of parts) {
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    const id =
      /^\d+$/.test(part) && node && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
    out.push(typeof id === 'string' ? `${part} (${id})` : part);
  }
  return out.join('.');
}

function diffKind(line: string): 'added' | 'removed' | 'changed' | 'other' {
  if (line.endsWith(': added') || line.startsWith('new protocol')) return 'added';
  if (line.endsWith(': removed')) return 'removed';
  if (line.endsWith('changed') || line === 'steps reordered') return 'changed';
  return 'other';
}

/**
 * Admins change the surrender protocol as JSON: preview validates it as a whole on the server and
 * lists what changes against the published version; only a previewed text can be published.
 * Requests already opened keep the version they started with.
 */
export function ProtocolEditor() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const { byId } = useDirectory();
  const definition = useQuery({
    queryKey: queryKeys.protocolDefinition,
    queryFn: ({ signal }) => getProtocolDefinition(signal),
    refetchOnWindowFocus: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const versions = useQuery({ queryKey: queryKeys.protocolVersions, queryFn: listProtocolVersions });

  const [text, setText] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ text: string; result: ProtocolPublishResult } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const loaded = definition.data ? pretty(definition.data) : null;
  // The editor starts from the published definition, and again once a publish has been refetched.
  const reloadNext = useRef(true);
  useEffect(() => {
    if (loaded === null || !reloadNext.current) return;
    reloadNext.current = false;
    setText(loaded);
  }, [loaded]);

  const value = text ?? loaded ?? '';
  const parsed = parse(value);
  const currentVersion =
    typeof definition.data?.version === 'string'
      ? definition.data.version
      : (versions.data?.items.find((v) => v.current)?.version ?? '');

  const check = useMutation({
    mutationFn: (input: { definition: unknown; text: string }) => publishProtocol(input.definition, true),
    onSuccess: (result, input) => setPreview({ text: input.text, result }),
    onMutate: () => setPreview(null),
  });

  const publish = useMutation({
    mutationFn: (definitionValue: unknown) => publishProtocol(definitionValue, false),
    onSuccess: (r) => {
      setConfirming(false);
      setPreview(null);
      notifySuccess(t('admin.protocol.published', { version: r.version }));
      reloadNext.current = true;
      void queryClient.invalidateQueries({ queryKey: queryKeys.protocolDefinition });
      void queryClient.invalidateQueries({ queryKey: queryKeys.protocolVersions });
    },
    onError: () => setConfirming(false),
  });

  const previewFresh = preview !== null && preview.text === value;
  const error = publish.error ?? check.error;
  const issues = error ? issuesOf(error) : null;
  // Issue paths are read against the definition that was sent, not the one being edited since.
  const issuesFor: unknown = publish.error ? publish.variables : check.variables?.definition;
  const changed = loaded !== null && value !== loaded;

  function bumpVersion() {
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return;
    setText(pretty({ ...(parsed.value as Record<string, unknown>), version: nextVersion(currentVersion) }));
  }

  if (definition.isPending) return <Loader aria-label={t('app.loading')} />;
  if (definition.isError) {
    return (
      <Alert color="red" role="alert">
        {describeError(t, definition.error)}
      </Alert>
    );
  }

  return (
    <Stack gap="sm" data-testid="protocol-editor">
      <Group justify="space-between">
        <Title order={2} size="h4" id="protocol-editor-heading">
          {t('admin.protocol.title')}
        </Title>
        <Badge variant="light" tt="none" data-testid="protocol-current-version">
          {t('admin.protocol.current', { version: currentVersion })}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {t('admin.protocol.intro')}
      </Text>
      <Textarea
        label={t('admin.protocol.definition')}
        description={t('admin.protocol.definitionHint')}
        value={value}
        onChange={(e) => setText(e.currentTarget.value)}
        rows={22}
        spellCheck={false}
        autoComplete="off"
        classNames={{ input: 'wf-mono wf-json' }}
        error={
          parsed.ok
            ? null
            : parsed.line !== null
              ? t('admin.protocol.jsonErrorAt', {
                  line: parsed.line,
                  column: parsed.column,
                  message: parsed.message,
                })
              : t('admin.protocol.jsonError', { message: parsed.message })
        }
        data-testid="protocol-json"
      />
      <Group justify="space-between">
        <Group gap="xs">
          <Button
            size="xs"
            variant="default"
            onClick={bumpVersion}
            disabled={!parsed.ok}
            data-testid="protocol-bump"
          >
            {t('admin.protocol.bump', { version: nextVersion(currentVersion) })}
          </Button>
          <Button
            size="xs"
            variant="subtle"
            color="gray"
            disabled={!changed}
            onClick={() => {
              setText(loaded);
              setPreview(null);
              check.reset();
              publish.reset();
            }}
            data-testid="protocol-reset"
          >
            {t('admin.protocol.reset')}
          </Button>
        </Group>
        <Group gap="xs">
          <Button
            size="xs"
            variant="light"
            disabled={!parsed.ok}
            loading={check.isPending}
            onClick={() => {
              if (!parsed.ok) return;
              publish.reset();
              check.mutate({ definition: parsed.value, text: value });
            }}
            data-testid="protocol-preview"
          >
            {t('admin.protocol.preview')}
          </Button>
          <Button
            size="xs"
            color="red"
            disabled={!previewFresh || !parsed.ok}
            loading={publish.isPending}
            onClick={() => setConfirming(true)}
            title={previewFresh ? undefined : t('admin.protocol.previewFirst')}
            data-testid="protocol-publish"
          >
            {t('admin.protocol.publish')}
          </Button>
        </Group>
      </Group>
      {!previewFresh && parsed.ok && changed && (
        <Text size="xs" c="dimmed">
          {t('admin.protocol.previewFirst')}
        </Text>
      )}

      {issues && issues.length > 0 && (
        <Alert
          color="red"
          role="alert"
          title={t('admin.protocol.issuesTitle', { count: issues.length })}
          data-testid="protocol-issues"
        >
          <ul className="wf-plain-list">
            {issues.map((i) => (
              <li key={`${i.path}:${i.message}`}>
                <code className="wf-issue-path">{labelIssuePath(i.path, issuesFor)}</code> {i.message}
              </li>
            ))}
          </ul>
        </Alert>
      )}
      {error && !issues && (
        <Alert color="red" role="alert" data-testid="protocol-error">
          {describeError(t, error)}
          {isApiError(error) && error.code === 'conflict' && (
            <Text size="sm" mt={4}>
              {t('admin.protocol.conflictHint')}
            </Text>
          )}
        </Alert>
      )}

      {preview && (
        <div
          className="wf-diff-box"
          data-testid="protocol-diff-box"
          data-fresh={previewFresh}
          aria-live="polite"
        >
          <Group justify="space-between" mb={4}>
            <Text size="sm" fw={700}>
              {t('admin.protocol.diffTitle', {
                version: preview.result.version,
                count: preview.result.diff.length,
              })}
            </Text>
            {!previewFresh && (
              <Badge color="orange" variant="light" tt="none">
                {t('admin.protocol.outdated')}
              </Badge>
            )}
          </Group>
          {preview.result.diff.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('admin.protocol.noChanges')}
            </Text>
          ) : (
            <ul className="wf-diff" data-testid="protocol-diff">
              {preview.result.diff.map((line) => (
                <li key={line} data-kind={diffKind(line)}>
                  <span aria-hidden="true" className="wf-diff-mark">
                    {diffKind(line) === 'added' ? '+' : diffKind(line) === 'removed' ? '−' : '~'}
                  </span>
                  {line}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}

      <Title order={3} size="h5" mt="sm" id="protocol-versions-heading">
        {t('admin.protocol.versions')}
      </Title>
      {versions.isError && (
        <Text size="sm" c="red" role="alert">
          {describeError(t, versions.error)}
        </Text>
      )}
      {versions.data && (
        <div className="wf-table-scroll">
          <Table
            striped
            withTableBorder
            verticalSpacing={4}
            aria-labelledby="protocol-versions-heading"
            data-testid="protocol-versions"
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('admin.protocol.version')}</Table.Th>
                <Table.Th scope="col">{t('admin.protocol.publishedAt')}</Table.Th>
                <Table.Th scope="col">{t('admin.protocol.publishedBy')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {versions.data.items.map((v) => (
                <Table.Tr key={v.version}>
                  <Table.Td>
                    <span className="wf-ref">{v.version}</span>{' '}
                    {v.current && (
                      <Badge size="xs" color="teal" variant="light" tt="none">
                        {t('admin.protocol.isCurrent')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{formatDateTime(v.publishedAt, i18n.language)}</Table.Td>
                  <Table.Td>
                    {v.publishedBy
                      ? (byId.get(v.publishedBy)?.email ?? v.publishedBy)
                      : t('admin.protocol.shipped')}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}

      <ConfirmDialog
        opened={confirming}
        title={t('admin.protocol.publish')}
        message={t('admin.protocol.publishConfirm', {
          version: preview?.result.version ?? '',
          count: preview?.result.diff.length ?? 0,
        })}
        confirmLabel={t('admin.protocol.publish')}
        danger
        loading={publish.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          if (parsed.ok) publish.mutate(parsed.value);
        }}
      />
    </Stack>
  );
}
