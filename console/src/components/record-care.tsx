import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { WELFARE_KINDS, type WelfareKind } from '../../../src/pow/pow.lists.ts';
import type { CardDuty, PowRecordDetail } from '../../../src/pow/pow.schemas.ts';
import { addPrisonerLetter, addWelfare, captureCardUrl, markCardSent, markLetterDelivered } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { fieldErrorsOf, formatDate, formatMonth, todayUtc } from '../lib/pow.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { DateField } from './date-field.tsx';
import { CorrespondenceBadge, DeadlineBadge, FormGrid, SectionCard } from './registry-ui.tsx';

const MINIMUM = { letters: 2, cards: 4 } as const;

function useRefreshRegistry() {
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: queryKeys.powAll });
}

/** Art. 70 duties: a capture card per arrival, transfer or hospital admission; the PDF and "sent". */
export function CardDutiesSection({
  record,
  canWrite,
  docLang,
}: {
  record: PowRecordDetail;
  canWrite: boolean;
  docLang: 'uk' | 'en';
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [marking, setMarking] = useState<CardDuty | null>(null);
  return (
    <SectionCard
      title={t('registry.record.cards.title')}
      testId="record-cards"
      actions={
        record.cardDuties.length === 0 ? (
          <Button
            component="a"
            href={captureCardUrl(record.id, null, docLang)}
            download
            size="xs"
            variant="default"
            data-testid="record-capture-card"
          >
            {t('registry.record.cards.general')}
          </Button>
        ) : null
      }
    >
      {record.cardDuties.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('registry.record.cards.empty')}
        </Text>
      ) : (
        <div className="wf-table-scroll">
          <Table verticalSpacing={4} aria-label={t('registry.record.cards.title')} className="wf-badges-full">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('registry.columns.reason')}</Table.Th>
                <Table.Th scope="col">{t('registry.columns.dueOn')}</Table.Th>
                <Table.Th scope="col">
                  <span className="wf-visually-hidden">{t('registry.columns.actions')}</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {record.cardDuties.map((d) => (
                <Table.Tr
                  key={d.id}
                  className="wf-deadline-row"
                  data-state={d.state}
                  data-testid={`card-duty-${d.reason}`}
                >
                  <Table.Td>
                    <Text size="sm">{t(`pow.cardReason.${d.reason}`)}</Text>
                    <Text size="xs" c="dimmed">
                      {formatDate(d.eventOn, lang)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={2} align="flex-start">
                      <Text size="sm" className="wf-nowrap">
                        {formatDate(d.dueOn, lang)}
                      </Text>
                      <DeadlineBadge state={d.state} />
                      {d.sentOn && (
                        <Text size="xs" c="dimmed" className="wf-nowrap">
                          {t('registry.columns.sentOn')} {formatDate(d.sentOn, lang)}
                        </Text>
                      )}
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={4} align="flex-end">
                      <Button
                        component="a"
                        href={captureCardUrl(record.id, d.id, docLang)}
                        download
                        size="compact-xs"
                        variant="default"
                        data-testid="card-duty-download"
                      >
                        {t('registry.record.cards.download')}
                      </Button>
                      {canWrite && !d.sentOn && (
                        <Button
                          size="compact-xs"
                          variant="light"
                          onClick={() => setMarking(d)}
                          data-testid="card-duty-mark-sent"
                        >
                          {t('registry.record.cards.markSent')}
                        </Button>
                      )}
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      <MarkSentModal duty={marking} onClose={() => setMarking(null)} />
    </SectionCard>
  );
}

function MarkSentModal({ duty, onClose }: { duty: CardDuty | null; onClose: () => void }) {
  const { t } = useTranslation();
  const refresh = useRefreshRegistry();
  const [sentOn, setSentOn] = useState(todayUtc());
  const mark = useMutation({
    mutationFn: (d: CardDuty) => markCardSent(d.id, sentOn),
    onSuccess: () => {
      notifySuccess(t('registry.record.cards.marked'));
      refresh();
      onClose();
    },
  });
  return (
    <Modal opened={duty !== null} onClose={onClose} title={t('registry.record.cards.markSent')} size="sm">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (duty) mark.mutate(duty);
        }}
      >
        <Stack gap="sm">
          <DateField
            label={t('registry.record.cards.sentDate')}
            value={sentOn}
            max={todayUtc()}
            onChange={(v) => setSentOn(v)}
            required
            data-testid="card-duty-sent-on"
          />
          {mark.isError && (
            <Alert color="red" role="alert" p="xs">
              {describeError(t, mark.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={mark.isPending} data-testid="card-duty-sent-confirm">
              {t('registry.record.cards.markSent')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Art. 71: letters and cards sent this month and last, against the minimum of 2 and 4. */
export function CorrespondenceSection({ record }: { record: PowRecordDetail }) {
  const { t, i18n } = useTranslation();
  return (
    <SectionCard title={t('registry.record.correspondence.title')} testId="record-correspondence">
      <Text size="xs" c="dimmed">
        {t('registry.record.correspondence.intro')}
      </Text>
      <Table verticalSpacing={4} aria-label={t('registry.record.correspondence.title')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('registry.record.correspondence.month')}</Table.Th>
            <Table.Th scope="col" className="wf-num">
              {t('registry.columns.letters')}
            </Table.Th>
            <Table.Th scope="col" className="wf-num">
              {t('registry.columns.cards')}
            </Table.Th>
            <Table.Th scope="col">{t('registry.columns.state')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {record.correspondence.map((m) => {
            // The server counts the month before as well; before his capture nothing was owed.
            const before = m.month < record.identity.captureDate.slice(0, 7);
            return (
              <Table.Tr key={m.month} data-testid={`correspondence-${m.month}`}>
                <Table.Td>{formatMonth(m.month, i18n.language)}</Table.Td>
                <Table.Td
                  className="wf-num"
                  data-low={!before && m.letters < MINIMUM.letters ? 'true' : undefined}
                >
                  {t('registry.record.correspondence.count', { count: m.letters, min: MINIMUM.letters })}
                </Table.Td>
                <Table.Td
                  className="wf-num"
                  data-low={!before && m.cards < MINIMUM.cards ? 'true' : undefined}
                >
                  {t('registry.record.correspondence.count', { count: m.cards, min: MINIMUM.cards })}
                </Table.Td>
                <Table.Td>
                  <CorrespondenceBadge state={before ? 'before' : m.state} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </SectionCard>
  );
}

/** Art. 26/30/71/126: meals, medical care, correspondence and ICRC visits, newest first. */
export function WelfareSection({ record, canWrite }: { record: PowRecordDetail; canWrite: boolean }) {
  const { t, i18n } = useTranslation();
  const refresh = useRefreshRegistry();
  const [kind, setKind] = useState<WelfareKind | null>(null);
  const [occurredOn, setOccurredOn] = useState(todayUtc());
  const [quantity, setQuantity] = useState<number | string>(1);
  const [notes, setNotes] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const add = useMutation({
    mutationFn: () => {
      const q = typeof quantity === 'number' ? quantity : Number.parseInt(quantity, 10);
      return addWelfare(record.id, {
        kind: kind as WelfareKind,
        occurredOn,
        ...(Number.isFinite(q) && q > 0 ? { quantity: q } : {}),
        ...(notes.trim() ? { notes: notes.trim() } : {}),
      });
    },
    onSuccess: () => {
      notifySuccess(t('registry.record.welfare.added'));
      setKind(null);
      setNotes('');
      setQuantity(1);
      refresh();
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });
  return (
    <SectionCard title={t('registry.record.welfare.title')} testId="record-welfare">
      {canWrite && (
        <form
          noValidate
          className="wf-inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!kind) {
              setErrors({ kind: t('registry.form.required') });
              return;
            }
            setErrors({});
            add.mutate();
          }}
        >
          <Stack gap="xs">
            <FormGrid cols={3}>
              <Select
                label={t('registry.record.welfare.kind')}
                size="xs"
                value={kind}
                onChange={(v) => setKind(v as WelfareKind | null)}
                data={WELFARE_KINDS.map((k) => ({ value: k, label: t(`pow.welfareKind.${k}`) }))}
                error={errors.kind}
                data-testid="welfare-kind"
              />
              <DateField
                size="xs"
                label={t('registry.record.welfare.occurredOn')}
                value={occurredOn}
                max={todayUtc()}
                onChange={(v) => setOccurredOn(v)}
                error={errors.occurredOn}
                data-testid="welfare-date"
              />
              <NumberInput
                size="xs"
                label={t('registry.record.welfare.quantity')}
                value={quantity}
                onChange={setQuantity}
                min={1}
                max={100}
                allowDecimal={false}
                data-testid="welfare-quantity"
              />
            </FormGrid>
            <Textarea
              size="xs"
              label={t('registry.record.welfare.notes')}
              value={notes}
              onChange={(e) => setNotes(e.currentTarget.value)}
              autosize
              minRows={1}
              maxLength={4000}
            />
            {add.isError && Object.keys(errors).length === 0 && (
              <Alert color="red" role="alert" p="xs">
                {describeError(t, add.error)}
              </Alert>
            )}
            <Group>
              <Button
                type="submit"
                size="xs"
                variant="light"
                loading={add.isPending}
                data-testid="welfare-add"
              >
                {t('registry.record.welfare.add')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      {record.welfare.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('registry.record.welfare.empty')}
        </Text>
      ) : (
        <div className="wf-table-scroll wf-scroll-box">
          <Table verticalSpacing={2} aria-label={t('registry.record.welfare.tableLabel')}>
            <Table.Tbody>
              {record.welfare.map((w) => (
                <Table.Tr key={w.id} data-testid={`welfare-${w.kind}`}>
                  <Table.Td className="wf-nowrap">{formatDate(w.occurredOn, i18n.language)}</Table.Td>
                  <Table.Td>
                    {t(`pow.welfareKind.${w.kind}`)}
                    {w.quantity > 1 ? ` × ${w.quantity}` : ''}
                    {w.notes && (
                      <Text size="xs" c="dimmed" className="wf-pre">
                        {w.notes}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </SectionCard>
  );
}

const BY_POST = 'post';

/**
 * Letters both ways: a relative's letter (from the public answer page) is handed over and marked so;
 * the prisoner's letter or card is recorded, to a confirmed relative's inquiry or by post.
 */
export function LettersSection({
  record,
  canWrite,
  presetInquiry,
}: {
  record: PowRecordDetail;
  canWrite: boolean;
  presetInquiry: { id: string; ref: string } | null;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const refresh = useRefreshRegistry();
  const [kind, setKind] = useState<'letter' | 'card'>('letter');
  const [body, setBody] = useState('');
  // Inquiries this prisoner's relatives wrote through, and the one the relatives desk sent us from.
  const inquiryOptions = new Map<string, string>();
  if (presetInquiry)
    inquiryOptions.set(
      presetInquiry.id,
      t('registry.record.letters.inquiryOption', { ref: presetInquiry.ref }),
    );
  for (const l of [...record.letters].reverse())
    if (l.inquiryId && l.direction === 'to_prisoner' && !inquiryOptions.has(l.inquiryId))
      inquiryOptions.set(
        l.inquiryId,
        t('registry.record.letters.inquiryOptionLetter', { date: formatDateTime(l.createdAt, lang) }),
      );
  const [to, setTo] = useState<string>(presetInquiry?.id ?? BY_POST);

  const write = useMutation({
    mutationFn: () =>
      addPrisonerLetter(record.id, {
        kind,
        body: body.trim(),
        ...(to !== BY_POST ? { inquiryId: to } : {}),
      }),
    onSuccess: () => {
      notifySuccess(t('registry.record.letters.sent'));
      setBody('');
      refresh();
    },
  });
  const deliver = useMutation({
    mutationFn: (letterId: string) => markLetterDelivered(letterId),
    onSuccess: () => {
      notifySuccess(t('registry.record.letters.markedDelivered'));
      refresh();
    },
    onError: (e) => notifyError(t, e),
  });

  return (
    <SectionCard title={t('registry.record.letters.title')} testId="record-letters">
      {record.letters.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('registry.record.letters.empty')}
        </Text>
      ) : (
        <ul className="wf-plain-list wf-letters wf-scroll-box">
          {record.letters.map((l) => (
            <li
              key={l.id}
              className="wf-letter"
              data-direction={l.direction}
              data-status={l.status}
              data-testid="record-letter"
            >
              <Group gap={6} justify="space-between" wrap="nowrap">
                <Group gap={6}>
                  <Badge
                    size="xs"
                    variant="light"
                    color={l.direction === 'to_prisoner' ? 'grape' : 'blue'}
                    tt="none"
                  >
                    {l.direction === 'to_prisoner'
                      ? t('registry.record.letters.toPrisoner')
                      : t('registry.record.letters.fromPrisoner')}
                  </Badge>
                  <Text size="xs" c="dimmed">
                    {t(`registry.record.letters.${l.kind}`)} · {formatDateTime(l.createdAt, lang)}
                  </Text>
                </Group>
                {l.direction === 'to_prisoner' &&
                  (l.status === 'received' ? (
                    canWrite ? (
                      <Button
                        size="compact-xs"
                        variant="light"
                        onClick={() => deliver.mutate(l.id)}
                        loading={deliver.isPending && deliver.variables === l.id}
                        data-testid="record-letter-deliver"
                      >
                        {t('registry.record.letters.markDelivered')}
                      </Button>
                    ) : (
                      <Badge size="xs" color="orange" variant="light" tt="none">
                        {t('registry.record.letters.waiting')}
                      </Badge>
                    )
                  ) : (
                    <Text size="xs" c="dimmed">
                      {t('registry.record.letters.delivered', { at: formatDateTime(l.deliveredAt, lang) })}
                    </Text>
                  ))}
              </Group>
              <Text size="sm" className="wf-pre">
                {l.body}
              </Text>
            </li>
          ))}
        </ul>
      )}
      {canWrite && (
        <form
          noValidate
          className="wf-inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (body.trim()) write.mutate();
          }}
          data-testid="record-letter-form"
        >
          <Stack gap="xs">
            <Text size="sm" fw={600}>
              {t('registry.record.letters.write')}
            </Text>
            <Group gap="sm" align="flex-end" wrap="wrap">
              <SegmentedControl
                size="xs"
                value={kind}
                onChange={(v) => setKind(v as 'letter' | 'card')}
                data={[
                  { value: 'letter', label: t('registry.record.letters.letter') },
                  { value: 'card', label: t('registry.record.letters.card') },
                ]}
                aria-label={t('registry.record.letters.kind')}
              />
              <Select
                size="xs"
                label={t('registry.record.letters.inquiry')}
                value={to}
                onChange={(v) => setTo(v ?? BY_POST)}
                allowDeselect={false}
                data={[
                  { value: BY_POST, label: t('registry.record.letters.byPost') },
                  ...[...inquiryOptions].map(([value, label]) => ({ value, label })),
                ]}
                data-testid="record-letter-to"
              />
            </Group>
            <Textarea
              size="xs"
              label={t('registry.record.letters.body')}
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              autosize
              minRows={3}
              maxLength={8000}
              data-testid="record-letter-body"
            />
            {write.isError && (
              <Alert color="red" role="alert" p="xs">
                {describeError(t, write.error)}
              </Alert>
            )}
            <Group>
              <Button
                type="submit"
                size="xs"
                variant="light"
                disabled={!body.trim()}
                loading={write.isPending}
                data-testid="record-letter-submit"
              >
                {t('registry.record.letters.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </SectionCard>
  );
}
