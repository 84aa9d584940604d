import { Alert, Button, Group, Modal, Stack, Text, Textarea, Title, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QueueItem } from '../../../src/cases/cases.schemas.ts';
import { SINK_THRESHOLD as LIKELY_FAKE_SCORE } from '../../../src/triage/sink-threshold.ts';
import type { RequestActions } from '../hooks/use-request-actions.ts';
import { describeError } from '../lib/errors.ts';
import { languageName } from '../lib/labels.ts';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';
import { isLikelyFake, SpamBadge, useSpamReasonTexts } from './badges.tsx';

/**
 * The spam/probe score of one request, its reasons in words and the operator's verdict. Confirming
 * flags the sender and the text for 30 days (new copies sink); overruling lifts those flags.
 */
export function TriagePanel({ request, actions }: { request: QueueItem; actions: RequestActions }) {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const reasons = useSpamReasonTexts(request.spamReasons);
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [reason, setReason] = useState('');
  const canDecide = hasPermission(user, 'request.status');
  const { triage } = actions;
  const verdict = request.triageVerdict;
  const detected = request.detectedLanguage;

  return (
    <Stack gap="xs" data-testid="triage-panel" data-verdict={verdict ?? 'none'}>
      <Group justify="space-between" gap="xs">
        <Title order={2} size="h5">
          {t('triage.title')}
        </Title>
        <SpamBadge item={request} showZero />
      </Group>
      <Text size="sm">{t('triage.score', { score: request.spamScore })}</Text>
      {isLikelyFake(request) && !verdict && (
        <Text size="xs" c="red.8">
          {t('triage.likelyFake', { threshold: LIKELY_FAKE_SCORE })}
        </Text>
      )}
      <div>
        <Text size="xs" c="dimmed">
          {t('triage.reasonsTitle')}
        </Text>
        {reasons.length ? (
          <ul className="wf-reasons" data-testid="triage-reasons">
            {reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        ) : (
          <Text size="sm">{t('triage.noReasons')}</Text>
        )}
      </div>
      <dl className="wf-meta-list">
        <dt>{t('triage.verdict')}</dt>
        <dd data-testid="triage-verdict">
          {verdict === 'spam'
            ? t('triage.verdictSpam')
            : verdict === 'genuine'
              ? t('triage.verdictGenuine')
              : t('triage.verdictNone')}
        </dd>
        {detected && (
          <>
            <dt>{t('triage.detectedLanguage')}</dt>
            <dd>{detected === 'other' ? t('triage.languageOther') : languageName(t, detected)}</dd>
          </>
        )}
      </dl>
      {canDecide && (
        <Group gap="xs">
          <Button
            size="xs"
            color="red"
            // Not a prominent filled button: it sinks a requester's messages; it opens a confirmation.
            variant="subtle"
            disabled={verdict === 'spam'}
            onClick={() => setConfirmOpen(true)}
            data-testid="triage-spam"
          >
            {t('triage.confirmSpam')}
          </Button>
          <Tooltip label={t('triage.genuineHint')} multiline w={240}>
            <Button
              size="xs"
              color="teal"
              variant="light"
              disabled={verdict === 'genuine'}
              loading={triage.isPending && triage.variables?.verdict === 'genuine'}
              onClick={() => triage.mutate({ verdict: 'genuine' })}
              data-testid="triage-genuine"
            >
              {t('triage.markGenuine')}
            </Button>
          </Tooltip>
        </Group>
      )}
      {triage.isError && !confirmOpen && (
        <Alert color="red" role="alert" p="xs">
          <Text size="sm">{describeError(t, triage.error)}</Text>
        </Alert>
      )}

      <Modal opened={confirmOpen} onClose={() => setConfirmOpen(false)} title={t('triage.confirmTitle')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            triage.mutate(
              { verdict: 'spam', reason },
              {
                onSuccess: () => {
                  setConfirmOpen(false);
                  setReason('');
                },
              },
            );
          }}
        >
          <Stack gap="sm">
            <Text size="sm">{t('triage.confirmIntro')}</Text>
            <Textarea
              label={t('triage.reason')}
              placeholder={t('triage.reasonPlaceholder')}
              autosize
              minRows={2}
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              data-autofocus
              data-testid="triage-reason"
            />
            {triage.isError && (
              <Alert color="red" role="alert">
                {describeError(t, triage.error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setConfirmOpen(false)}>
                {t('app.cancel')}
              </Button>
              <Button type="submit" color="dark" loading={triage.isPending} data-testid="triage-spam-submit">
                {t('triage.confirmSubmit')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}
