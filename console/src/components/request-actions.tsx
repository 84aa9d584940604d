import {
  Alert,
  Button,
  Divider,
  Group,
  NativeSelect,
  Select,
  Stack,
  TagsInput,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseState } from '../../../src/cases/case-state.ts';
import type { RequestDetail } from '../../../src/cases/cases.schemas.ts';
import { assignableUsers, useDirectory } from '../hooks/use-directory.ts';
import type { RequestActions } from '../hooks/use-request-actions.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';
import { callbackPending } from './badges.tsx';
import { ConfirmDialog } from './confirm-dialog.tsx';

const MAX_TAGS = 10;
const MAX_TAG_LENGTH = 32;

/** Tags as the server accepts them: lowercase, 1–32 characters, at most ten, no duplicates. */
export function normalizeTags(raw: string[]): string[] {
  const out: string[] = [];
  for (const tag of raw) {
    const v = tag.trim().toLowerCase().slice(0, MAX_TAG_LENGTH);
    if (v && !out.includes(v)) out.push(v);
  }
  return out.slice(0, MAX_TAGS);
}

interface Props {
  detail: RequestDetail;
  actions: RequestActions;
  onProbe(): void;
  onMerge(): void;
}

export function RequestActionsPanel({ detail, actions, onProbe, onMerge }: Props) {
  const { t, i18n } = useTranslation();
  const user = useCurrentUser();
  const { list } = useDirectory();
  const { request, allowedTransitions } = detail;
  const canAssign = hasPermission(user, 'request.assign');
  const [reassignTo, setReassignTo] = useState<string | null>(null);
  const [custodyConfirm, setCustodyConfirm] = useState(false);
  // Local copy so a tag shows at once; the server's answer (or a refetch) replaces it.
  const serverTags = request.tags.join('\n');
  const [tags, setTags] = useState(request.tags);
  useEffect(() => setTags(serverTags ? serverTags.split('\n') : []), [serverTags]);

  const mine = request.assigneeId === user.id;
  const canRelease = request.assigneeId !== null && (mine || canAssign);

  function changeStatus(next: CaseState) {
    if (next === request.status) return;
    // In custody hands the case to the POW registry; the state machine has no way back.
    if (next === 'in_custody') setCustodyConfirm(true);
    else actions.status.mutate(next);
  }

  const UNASSIGN = '__none__';
  const assignData = [
    { value: UNASSIGN, label: t('request.actions.unassign') },
    ...assignableUsers(list)
      .filter((u) => u.id !== request.assigneeId)
      .map((u) => ({ value: u.id, label: u.email })),
  ];

  return (
    <Stack gap="sm">
      <Title order={2} size="h5">
        {t('request.actions.title')}
      </Title>
      <Group gap="xs">
        {!mine && (
          <Button
            size="xs"
            onClick={() => actions.claim.mutate()}
            loading={actions.claim.isPending}
            data-testid="claim"
          >
            {t('request.actions.claim')}
          </Button>
        )}
        {canRelease && (
          <Button
            size="xs"
            variant="default"
            onClick={() => actions.release.mutate()}
            loading={actions.release.isPending}
            data-testid="release"
          >
            {t('request.actions.release')}
          </Button>
        )}
      </Group>

      {callbackPending(request) ? (
        <Alert color="orange" p="xs" data-testid="callback-requested" title={t('request.callback.title')}>
          <Stack gap={6}>
            <Text size="sm">
              {t('request.callback.requestedAt', {
                at: formatDateTime(request.callbackRequestedAt, i18n.language),
              })}
            </Text>
            {hasPermission(user, 'request.reply') && (
              <Button
                size="xs"
                color="orange"
                onClick={() => actions.callbackDone.mutate()}
                loading={actions.callbackDone.isPending}
                data-testid="callback-done"
              >
                {t('request.callback.markDone')}
              </Button>
            )}
          </Stack>
        </Alert>
      ) : (
        request.callbackDoneAt && (
          <Text size="xs" c="dimmed" data-testid="callback-done-at">
            {t('request.callback.doneAt', { at: formatDateTime(request.callbackDoneAt, i18n.language) })}
          </Text>
        )
      )}

      {canAssign && (
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <Select
            label={t('request.actions.reassign')}
            placeholder={t('request.actions.pickOperator')}
            data={assignData}
            value={reassignTo}
            onChange={setReassignTo}
            searchable
            size="xs"
            flex={1}
            data-testid="reassign-select"
          />
          <Button
            size="xs"
            variant="light"
            disabled={reassignTo === null}
            loading={actions.assign.isPending}
            onClick={() => {
              if (reassignTo === null) return;
              actions.assign.mutate(reassignTo === UNASSIGN ? null : reassignTo, {
                onSuccess: () => setReassignTo(null),
              });
            }}
            data-testid="reassign-submit"
          >
            {t('request.actions.assign')}
          </Button>
        </Group>
      )}

      <Divider />
      <NativeSelect
        label={t('request.actions.statusChange')}
        value={request.status}
        onChange={(e) => changeStatus(e.currentTarget.value as CaseState)}
        disabled={allowedTransitions.length === 0 || actions.status.isPending}
        description={allowedTransitions.length === 0 ? t('request.actions.statusNone') : undefined}
        size="xs"
        data-testid="status-select"
      >
        <option value={request.status}>
          {t('request.actions.statusCurrent', { status: t(`status.${request.status}`) })}
        </option>
        {allowedTransitions.map((s) => (
          <option key={s} value={s}>
            {t(`status.${s}`)}
          </option>
        ))}
      </NativeSelect>
      {actions.status.isError && (
        <Alert color="red" role="alert" p="xs" data-testid="status-error">
          <Text size="sm">{describeError(t, actions.status.error)}</Text>
        </Alert>
      )}

      <TagsInput
        label={t('request.actions.tags')}
        description={t('request.actions.tagsHint')}
        value={tags}
        onChange={(v) => {
          const next = normalizeTags(v);
          setTags(next);
          actions.tags.mutate(next, { onError: () => setTags(request.tags) });
        }}
        maxTags={MAX_TAGS}
        splitChars={[',', ' ']}
        clearable
        size="xs"
        data-testid="tags-input"
      />
      {actions.tags.isError && (
        <Alert color="red" role="alert" p="xs">
          <Text size="sm">{describeError(t, actions.tags.error)}</Text>
        </Alert>
      )}

      <Divider />
      <Group gap="xs">
        <Button
          size="xs"
          variant="subtle"
          color="red"
          onClick={onProbe}
          disabled={request.status === 'rejected_probe'}
          data-testid="probe-open"
        >
          {t('request.actions.probe')}
        </Button>
        <Button size="xs" variant="light" color="gray" onClick={onMerge} data-testid="merge-open">
          {t('request.actions.merge')}
        </Button>
      </Group>

      <ConfirmDialog
        opened={custodyConfirm}
        title={t('request.actions.statusChange')}
        message={t('request.actions.custodyConfirm')}
        loading={actions.status.isPending}
        onCancel={() => setCustodyConfirm(false)}
        onConfirm={() => {
          setCustodyConfirm(false);
          actions.status.mutate('in_custody');
        }}
      />
    </Stack>
  );
}
