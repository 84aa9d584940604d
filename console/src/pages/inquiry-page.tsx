import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  Progress,
  Radio,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { type MouseEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ANSWER_KINDS, type AnswerKind } from '../../../src/relatives/relatives.lists.ts';
import type { InquiryCandidate, InquiryDetail } from '../../../src/relatives/relatives.schemas.ts';
import { answerInquiry, getInquiry, isApiError } from '../api.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ConsentBadge, PowStatusBadge, ScriptNames, SectionCard } from '../components/registry-ui.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { languageName } from '../lib/labels.ts';
import { notifySuccess } from '../lib/notify.ts';
import { formatDate } from '../lib/pow.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { isPlainLeftClick, Link, navigate, paths } from '../lib/router.tsx';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';
import { ANSWER_COLORS } from './relatives-page.tsx';

const OUTCOME_KEYS: Record<string, string> = {
  'day±1': 'dayNear',
  'year±1': 'yearNear1',
  'year±2': 'yearNear2',
};
const REASON_PARTS = ['surname', 'firstName', 'father', 'dob', 'order'] as const;
const REASON_OUTCOMES = [
  'exact',
  'variant',
  'fuzzy',
  'different',
  'missing',
  'diminutive',
  'swapped',
  'dayNear',
  'digit',
  'month',
  'year',
  'yearNear1',
  'yearNear2',
  'contradiction',
  'merged',
] as const;

/** A matcher reason (`surname:variant`, `dob:year±1`) in words; an unknown one as it came. */
function reasonText(t: TFunction, reason: string): { text: string; tone: 'good' | 'bad' | 'none' } {
  const [part = '', raw = ''] = reason.split(':');
  const outcome = OUTCOME_KEYS[raw] ?? raw;
  const knownPart = (REASON_PARTS as readonly string[]).includes(part);
  const knownOutcome = (REASON_OUTCOMES as readonly string[]).includes(outcome);
  if (!knownPart || !knownOutcome) return { text: reason, tone: 'none' };
  const text = `${t(`relatives.reasonPart.${part as (typeof REASON_PARTS)[number]}`)}: ${t(
    `relatives.reasonOutcome.${outcome as (typeof REASON_OUTCOMES)[number]}`,
  )}`;
  const tone =
    outcome === 'different' || outcome === 'contradiction'
      ? 'bad'
      : outcome === 'missing' || part === 'order'
        ? 'none'
        : 'good';
  return { text, tone };
}

/**
 * One inquiry: whom the relative seeks, registry candidates scored by the matcher, and the answer —
 * sent only after the registrar confirms it. A prisoner who refused disclosure cannot be "found".
 */
export function InquiryPage({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const inquiry = useQuery({
    queryKey: queryKeys.inquiry(id),
    queryFn: ({ signal }) => getInquiry(id, signal).then((r) => r.item),
  });
  const q = inquiry.data;
  usePageTitle(q ? `${q.ref} · ${t('relatives.title')}` : t('relatives.title'));

  return (
    <Stack gap="md" data-testid="inquiry-page">
      <Group justify="space-between" align="center">
        <Group gap="sm">
          <Title order={1} size="h3">
            {q ? <span className="wf-ref wf-ref-title">{q.ref}</span> : t('relatives.title')}
          </Title>
          {q && (
            <Badge
              color={q.status === 'open' ? 'orange' : 'teal'}
              variant="light"
              tt="none"
              data-testid="inquiry-status"
              data-status={q.status}
            >
              {t(`relatives.status.${q.status}`)}
            </Badge>
          )}
          {inquiry.isFetching && <Loader size="xs" aria-label={t('app.loading')} />}
        </Group>
        <Link to={paths.relatives} size="sm">
          {t('relatives.inquiry.back')}
        </Link>
      </Group>
      {inquiry.isError && (
        <Alert color="red" role="alert">
          {describeError(t, inquiry.error)}
        </Alert>
      )}
      {inquiry.isPending && <Loader aria-label={t('app.loading')} />}
      {q && (
        <>
          <div className="wf-stats-row">
            <SectionCard title={t('relatives.inquiry.sought')} testId="inquiry-sought">
              <dl className="wf-meta-list" lang={q.language}>
                <dt>{t('relatives.new.surname')}</dt>
                <dd>{q.sought.surname}</dd>
                <dt>{t('relatives.new.firstNames')}</dt>
                <dd>{q.sought.firstNames}</dd>
                {q.sought.fatherName && (
                  <>
                    <dt>{t('relatives.new.fatherName')}</dt>
                    <dd>{q.sought.fatherName}</dd>
                  </>
                )}
                {q.sought.dateOfBirth && (
                  <>
                    <dt>{t('relatives.new.dateOfBirth')}</dt>
                    <dd>{formatDate(q.sought.dateOfBirth, lang)}</dd>
                  </>
                )}
                {q.sought.placeOfBirth && (
                  <>
                    <dt>{t('registry.form.placeOfBirth')}</dt>
                    <dd>{q.sought.placeOfBirth}</dd>
                  </>
                )}
                {q.sought.unit && (
                  <>
                    <dt>{t('registry.form.unit')}</dt>
                    <dd>{q.sought.unit}</dd>
                  </>
                )}
              </dl>
            </SectionCard>
            <SectionCard title={t('relatives.inquiry.relative')} testId="inquiry-relative">
              <dl className="wf-meta-list">
                <dt>{t('relatives.new.name')}</dt>
                <dd lang={q.language}>{q.relative.name}</dd>
                <dt>{t('relatives.new.relationship')}</dt>
                <dd lang={q.language}>{q.relative.relationship}</dd>
                {q.relative.contact && (
                  <>
                    <dt>{t('relatives.new.contact')}</dt>
                    <dd>{q.relative.contact}</dd>
                  </>
                )}
                <dt>{t('relatives.columns.channel')}</dt>
                <dd>{t(`relatives.channel.${q.channel}`)}</dd>
                <dt>{t('relatives.columns.language')}</dt>
                <dd>{languageName(t, q.language)}</dd>
                <dt>{t('relatives.inquiry.received')}</dt>
                <dd>{formatDateTime(q.createdAt, lang)}</dd>
              </dl>
              {q.message && (
                <Stack gap={2}>
                  <Text size="xs" c="dimmed">
                    {t('relatives.inquiry.message')}
                  </Text>
                  <Text size="sm" className="wf-pre" lang={q.language}>
                    {q.message}
                  </Text>
                </Stack>
              )}
            </SectionCard>
          </div>
          {q.status === 'open' ? <OpenInquiry inquiry={q} /> : <AnsweredInquiry inquiry={q} />}
        </>
      )}
    </Stack>
  );
}

function AnsweredInquiry({ inquiry: q }: { inquiry: InquiryDetail }) {
  const { t, i18n } = useTranslation();
  const user = useCurrentUser();
  const lang = i18n.language;
  if (!q.answer) return null;
  const letterTo = q.matchedRecord
    ? paths.record(q.matchedRecord.id, { inquiry: { id: q.id, ref: q.ref } })
    : paths.relatives;
  return (
    <SectionCard title={t('relatives.inquiry.answerTitle')} testId="inquiry-answer">
      <Group gap="sm">
        <Badge color={ANSWER_COLORS[q.answer.kind]} variant="filled" tt="none" data-kind={q.answer.kind}>
          {t(`relatives.answerKind.${q.answer.kind}`)}
        </Badge>
        <Text size="xs" c="dimmed">
          {t('relatives.inquiry.answered', { at: formatDateTime(q.answer.answeredAt, lang) })}
        </Text>
        {q.matchedRecord && hasPermission(user, 'pow.read') && (
          <Text size="sm">
            {t('relatives.inquiry.matchedRecord')}:{' '}
            <Link
              to={paths.record(q.matchedRecord.id)}
              className="wf-ref"
              data-testid="inquiry-matched-record"
            >
              {q.matchedRecord.ref}
            </Link>
          </Text>
        )}
      </Group>
      <Text size="sm" className="wf-pre wf-answer-text" lang={q.language}>
        {q.answer.text}
      </Text>
      {q.delivery?.map((d, i) => (
        <Text
          // biome-ignore lint/suspicious/noArrayIndexKey: deliveries have no id of their own and never reorder
          key={i}
          size="xs"
          c={d.status === 'failed' ? 'red' : 'dimmed'}
          data-testid="inquiry-delivery"
          data-status={d.status}
        >
          {t(`relatives.inquiry.delivery.${d.status}`, { error: d.error ?? '' })}
        </Text>
      ))}
      {q.answer.kind === 'found' && q.matchedRecord && (
        <Stack gap="xs">
          <Title order={3} size="h6">
            {t('relatives.inquiry.letters')}
          </Title>
          {q.letters.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('relatives.inquiry.noLetters')}
            </Text>
          ) : (
            <ul className="wf-plain-list wf-letters">
              {q.letters.map((l) => (
                <li key={l.id} className="wf-letter" data-direction={l.direction} data-status={l.status}>
                  <Text size="xs" c="dimmed">
                    {l.direction === 'to_prisoner'
                      ? t('registry.record.letters.toPrisoner')
                      : t('registry.record.letters.fromPrisoner')}{' '}
                    · {formatDateTime(l.createdAt, lang)} ·{' '}
                    {l.status === 'delivered'
                      ? t('registry.record.letters.delivered', { at: formatDateTime(l.deliveredAt, lang) })
                      : t('registry.record.letters.waiting')}
                  </Text>
                  <Text size="sm" className="wf-pre" lang={q.language}>
                    {l.body}
                  </Text>
                </li>
              ))}
            </ul>
          )}
          {hasPermission(user, 'pow.write') && (
            <Group>
              <Button
                size="xs"
                variant="light"
                component="a"
                href={letterTo}
                onClick={(e: MouseEvent<HTMLAnchorElement>) => {
                  if (!isPlainLeftClick(e)) return;
                  e.preventDefault();
                  navigate(letterTo);
                }}
                data-testid="inquiry-record-letter"
              >
                {t('relatives.inquiry.recordLetter')}
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </SectionCard>
  );
}

function OpenInquiry({ inquiry: q }: { inquiry: InquiryDetail }) {
  const { t, i18n } = useTranslation();
  const user = useCurrentUser();
  const canAnswer = hasPermission(user, 'inquiry.answer');
  const queryClient = useQueryClient();
  const lang = i18n.language;
  const [picked, setPicked] = useState<string | null>(null);
  const [kind, setKind] = useState<AnswerKind | null>(null);
  const [message, setMessage] = useState('');
  const [edited, setEdited] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const pickedCandidate = q.candidates.find((c) => c.recordId === picked) ?? null;
  const refused = pickedCandidate?.disclosureConsent === 'no';

  const chooseKind = (k: AnswerKind) => {
    setKind(k);
    if (!edited) setMessage(q.templates[k]);
  };
  const pick = (c: InquiryCandidate) => {
    setPicked(c.recordId);
    // A prisoner who refused disclosure: the only truthful answer left is "not disclosed".
    if (c.disclosureConsent === 'no' && (kind === 'found' || kind === null)) chooseKind('not_disclosed');
    else if (kind === null) chooseKind('found');
  };

  const answer = useMutation({
    mutationFn: () =>
      answerInquiry(q.id, {
        kind: kind as AnswerKind,
        ...(kind === 'found' && picked ? { recordId: picked } : {}),
        message: message.trim(),
      }),
    onSuccess: ({ item }) => {
      notifySuccess(t('relatives.inquiry.sent'));
      setConfirming(false);
      queryClient.setQueryData(queryKeys.inquiry(q.id), item);
      void queryClient.invalidateQueries({ queryKey: queryKeys.inquiriesAll });
      void queryClient.invalidateQueries({ queryKey: queryKeys.powAll });
    },
    onError: () => setConfirming(false),
  });

  const ready = kind !== null && message.trim() !== '' && (kind !== 'found' || (picked !== null && !refused));

  return (
    <>
      <SectionCard title={t('relatives.inquiry.candidates')} testId="inquiry-candidates">
        <Text size="xs" c="dimmed">
          {t('relatives.inquiry.candidatesIntro')}
        </Text>
        {q.candidates.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="inquiry-no-candidates">
            {t('relatives.inquiry.noCandidates')}
          </Text>
        ) : (
          <div className="wf-table-scroll">
            <Table
              className="wf-badges-full"
              verticalSpacing={6}
              aria-label={t('relatives.inquiry.candidatesLabel')}
            >
              <Table.Thead>
                <Table.Tr>
                  {canAnswer && (
                    <Table.Th scope="col">
                      <span className="wf-visually-hidden">{t('relatives.inquiry.columns.pick')}</span>
                    </Table.Th>
                  )}
                  <Table.Th scope="col">{t('relatives.inquiry.columns.ref')}</Table.Th>
                  <Table.Th scope="col">{t('relatives.inquiry.columns.names')}</Table.Th>
                  <Table.Th scope="col">{t('relatives.inquiry.columns.father')}</Table.Th>
                  <Table.Th scope="col">{t('relatives.inquiry.columns.dateOfBirth')}</Table.Th>
                  <Table.Th scope="col">{t('relatives.inquiry.columns.status')}</Table.Th>
                  <Table.Th scope="col">{t('relatives.inquiry.columns.consent')}</Table.Th>
                  <Table.Th scope="col">{t('relatives.inquiry.columns.score')}</Table.Th>
                  <Table.Th scope="col">{t('relatives.inquiry.columns.reasons')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {q.candidates.map((c) => {
                  const pct = Math.round(c.score * 100);
                  return (
                    <Table.Tr
                      key={c.recordId}
                      className="wf-candidate-row"
                      data-likely={c.likely ? 'true' : undefined}
                      data-picked={c.recordId === picked ? 'true' : undefined}
                      data-testid={`candidate-${c.ref}`}
                    >
                      {canAnswer && (
                        <Table.Td>
                          <Radio
                            name="candidate"
                            checked={c.recordId === picked}
                            onChange={() => pick(c)}
                            aria-label={t('relatives.inquiry.pick', { ref: c.ref })}
                            data-testid={`candidate-pick-${c.ref}`}
                          />
                        </Table.Td>
                      )}
                      <Table.Td>
                        {hasPermission(user, 'pow.read') ? (
                          <Link to={paths.record(c.recordId)} className="wf-ref">
                            {c.ref}
                          </Link>
                        ) : (
                          <span className="wf-ref">{c.ref}</span>
                        )}
                        {c.likely && (
                          <Badge size="xs" color="teal" variant="filled" tt="none" ml={4}>
                            {t('relatives.inquiry.likely')}
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <ScriptNames surname={c.surname} firstNames={c.firstNames} />
                      </Table.Td>
                      <Table.Td>{c.fatherFirstName ?? t('app.none')}</Table.Td>
                      <Table.Td className="wf-nowrap">{formatDate(c.dateOfBirth, lang)}</Table.Td>
                      <Table.Td>
                        <PowStatusBadge status={c.status} />
                      </Table.Td>
                      <Table.Td>
                        <ConsentBadge consent={c.disclosureConsent} />
                      </Table.Td>
                      <Table.Td className="wf-score-cell">
                        <Text size="sm" fw={600} data-testid="candidate-score">
                          {pct}%
                        </Text>
                        <Progress
                          value={pct}
                          size="sm"
                          color={c.likely ? 'teal' : pct >= 50 ? 'yellow' : 'gray'}
                          aria-label={`${pct}%`}
                        />
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {c.reasons.map((r) => {
                            const { text, tone } = reasonText(t, r);
                            return (
                              <Badge
                                key={r}
                                size="xs"
                                variant="light"
                                tt="none"
                                color={tone === 'good' ? 'teal' : tone === 'bad' ? 'red' : 'gray'}
                              >
                                {text}
                              </Badge>
                            );
                          })}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </div>
        )}
      </SectionCard>

      {canAnswer && (
        <Paper withBorder p="sm" component="section" data-testid="inquiry-answer-form">
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              if (ready) setConfirming(true);
            }}
          >
            <Stack gap="sm">
              <Title order={2} size="h5">
                {t('relatives.inquiry.answerTitle')}
              </Title>
              <Radio.Group
                label={t('relatives.inquiry.kind')}
                value={kind ?? ''}
                onChange={(v) => chooseKind(v as AnswerKind)}
              >
                <Group gap="md" mt={4}>
                  {ANSWER_KINDS.map((k) => (
                    <Radio
                      key={k}
                      value={k}
                      label={t(`relatives.answerKind.${k}`)}
                      disabled={k === 'found' && refused}
                      data-testid={`answer-kind-${k}`}
                    />
                  ))}
                </Group>
              </Radio.Group>
              {kind === 'found' &&
                (pickedCandidate ? (
                  <Text size="sm" data-testid="answer-record">
                    {t('relatives.inquiry.record')}: <span className="wf-ref">{pickedCandidate.ref}</span>{' '}
                    {pickedCandidate.surname.original} {pickedCandidate.firstNames.original}
                  </Text>
                ) : (
                  <Text size="sm" c="orange">
                    {t('relatives.inquiry.pickRecord')}
                  </Text>
                ))}
              {refused && (
                <Alert color="orange" p="xs" data-testid="answer-refused">
                  {t('relatives.inquiry.foundDisabled')}
                </Alert>
              )}
              <Textarea
                label={t('relatives.inquiry.answerMessage')}
                value={message}
                onChange={(e) => {
                  setMessage(e.currentTarget.value);
                  setEdited(true);
                }}
                autosize
                minRows={4}
                maxLength={4000}
                lang={q.language}
                data-testid="answer-message"
              />
              {kind && edited && message !== q.templates[kind] && (
                <Group>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    onClick={() => {
                      setMessage(q.templates[kind]);
                      setEdited(false);
                    }}
                  >
                    {t('relatives.inquiry.useTemplate')}
                  </Button>
                </Group>
              )}
              {answer.isError && (
                <Alert color="red" role="alert" p="xs" data-testid="answer-error">
                  {isApiError(answer.error) &&
                  answer.error.code === 'conflict' &&
                  answer.error.details?.field === 'kind'
                    ? t('relatives.inquiry.foundDisabled')
                    : describeError(t, answer.error)}
                </Alert>
              )}
              <Group>
                <Button type="submit" disabled={!ready} data-testid="answer-send">
                  {t('relatives.inquiry.send')}
                </Button>
              </Group>
            </Stack>
          </form>
          <ConfirmDialog
            opened={confirming}
            title={t('relatives.inquiry.confirmTitle')}
            message={kind ? t(`relatives.inquiry.confirm.${kind}`, { ref: pickedCandidate?.ref ?? '' }) : ''}
            confirmLabel={t('relatives.inquiry.send')}
            loading={answer.isPending}
            onConfirm={() => answer.mutate()}
            onCancel={() => setConfirming(false)}
          />
        </Paper>
      )}
    </>
  );
}
