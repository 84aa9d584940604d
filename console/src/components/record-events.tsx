import { Alert, Button, Group, Select, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { InputEventType as PowEventInputType } from '../../../src/pow/pow.lists.ts';
import type { PowEvent, PowEventInput, PowRecordDetail } from '../../../src/pow/pow.schemas.ts';
import type { EventDetails as PowEventDetails } from '../../../src/pow/record.ts';
import { addPowEvent } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { notifySuccess } from '../lib/notify.ts';
import {
  allowedEvents,
  eventFacilityKind,
  fieldErrorsOf,
  formatDate,
  isIsoDay,
  todayUtc,
} from '../lib/pow.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { DateField } from './date-field.tsx';
import { FormGrid, SectionCard, useFacilities } from './registry-ui.tsx';

/** The details of an event in a line or two (death notice, health report, exchange list…). */
function detailLines(t: TFunction, e: PowEvent): string[] {
  const d = e.details;
  if (!d) return [];
  const out: string[] = [];
  if (d.death) {
    const parts: Array<[string, string | undefined]> = [
      [t('registry.record.events.deathPlace'), d.death.place],
      [t('registry.record.events.deathCause'), d.death.cause],
      [t('registry.record.events.burialPlace'), d.death.burialPlace],
      [t('registry.record.events.certificateBy'), d.death.certificateBy],
    ];
    for (const [label, v] of parts) if (v) out.push(`${label}: ${v}`);
  }
  if (d.health) {
    out.push(`${d.health.seriouslyIll ? `${t('pow.seriouslyIll')}. ` : ''}${d.health.report}`.trim());
  }
  if (d.exchangeBatch) out.push(`${t('registry.record.events.exchangeBatch')}: ${d.exchangeBatch}`);
  if (d.destination) out.push(`${t('registry.record.events.destination')}: ${d.destination}`);
  if (d.notes) out.push(d.notes);
  return out;
}

/** The record's events, oldest first, and the form for the next one. */
export function EventsSection({ record, canWrite }: { record: PowRecordDetail; canWrite: boolean }) {
  const { t, i18n } = useTranslation();
  const allowed = allowedEvents(record.status, record.facility !== null);
  return (
    <SectionCard title={t('registry.record.events.title')} testId="record-events">
      <ol className="wf-timeline" aria-label={t('registry.record.events.listLabel')}>
        {record.events.map((e) => (
          <li key={e.id} data-type={e.type} data-testid={`record-event-${e.type}`}>
            <span className="wf-timeline-date">{formatDate(e.occurredOn, i18n.language)}</span>
            <div className="wf-timeline-body">
              <Text size="sm" fw={600}>
                {t(`pow.eventType.${e.type}`)}
                {e.facility &&
                (e.type === 'arrival' || e.type === 'transfer' || e.type.startsWith('hospital'))
                  ? ` → ${e.facility.name}`
                  : ''}
              </Text>
              {e.fromFacility && (
                <Text size="xs" c="dimmed">
                  {t('registry.record.events.from', { name: e.fromFacility.name })}
                </Text>
              )}
              {detailLines(t, e).map((line) => (
                <Text key={line} size="xs" className="wf-pre">
                  {line}
                </Text>
              ))}
            </div>
          </li>
        ))}
      </ol>
      {canWrite &&
        (allowed.length > 0 ? (
          <AddEventForm record={record} allowed={allowed} />
        ) : (
          <Text size="sm" c="dimmed">
            {t('registry.record.events.ended', { status: t(`pow.status.${record.status}`) })}
          </Text>
        ))}
    </SectionCard>
  );
}

interface EventDraft {
  type: PowEventInputType | null;
  occurredOn: string;
  facilityId: string | null;
  deathPlace: string;
  deathCause: string;
  burialPlace: string;
  certificateBy: string;
  report: string;
  seriouslyIll: boolean;
  exchangeBatch: string;
  destination: string;
  notes: string;
}

function emptyEvent(record: PowRecordDetail): EventDraft {
  return {
    type: null,
    occurredOn: todayUtc(),
    facilityId: null,
    deathPlace: '',
    deathCause: '',
    burialPlace: '',
    certificateBy: '',
    report: '',
    seriouslyIll: record.seriouslyIll,
    exchangeBatch: '',
    destination: '',
    notes: '',
  };
}

function eventInput(d: EventDraft): PowEventInput | null {
  if (!d.type) return null;
  const opt = (v: string) => (v.trim() ? v.trim() : undefined);
  const details: PowEventDetails = {};
  if (d.type === 'death') {
    details.death = {};
    const death = {
      place: opt(d.deathPlace),
      cause: opt(d.deathCause),
      burialPlace: opt(d.burialPlace),
      certificateBy: opt(d.certificateBy),
    };
    for (const [k, v] of Object.entries(death)) if (v) Object.assign(details.death, { [k]: v });
  }
  if (d.type === 'health_report') details.health = { seriouslyIll: d.seriouslyIll, report: d.report.trim() };
  if ((d.type === 'exchange' || d.type === 'repatriation') && opt(d.exchangeBatch))
    details.exchangeBatch = opt(d.exchangeBatch);
  if ((d.type === 'release' || d.type === 'repatriation' || d.type === 'exchange') && opt(d.destination))
    details.destination = opt(d.destination);
  if (opt(d.notes)) details.notes = opt(d.notes);
  const input: PowEventInput = { type: d.type, occurredOn: d.occurredOn };
  if (eventFacilityKind(d.type) && d.facilityId) input.facilityId = d.facilityId;
  if (Object.keys(details).length > 0) input.details = details;
  return input;
}

function AddEventForm({ record, allowed }: { record: PowRecordDetail; allowed: PowEventInputType[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const facilities = useFacilities();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<EventDraft>(() => emptyEvent(record));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (patch: Partial<EventDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setErrors({});
  };

  const add = useMutation({
    mutationFn: (input: PowEventInput) => addPowEvent(record.id, input),
    onSuccess: () => {
      notifySuccess(t('registry.record.events.added'));
      setDraft(emptyEvent(record));
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: queryKeys.powAll });
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });

  if (!open)
    return (
      <Group>
        <Button size="xs" variant="light" onClick={() => setOpen(true)} data-testid="record-event-open">
          {t('registry.record.events.add')}
        </Button>
      </Group>
    );

  const kind = draft.type ? eventFacilityKind(draft.type) : null;
  const facilityOptions = (facilities.data?.items ?? [])
    .filter((f) => !f.closed && f.id !== record.facility?.id)
    .filter((f) => (kind === 'hospital' ? f.kind === 'hospital' : f.kind !== 'hospital'))
    .map((f) => ({ value: f.id, label: `${f.name} (${f.current}/${f.capacity})` }));

  const submit = () => {
    const local: Record<string, string> = {};
    const required = t('registry.form.required');
    if (!draft.type) local.type = required;
    if (kind && !draft.facilityId) local.facilityId = required;
    if (draft.type === 'health_report' && !draft.report.trim()) local.report = required;
    if (!isIsoDay(draft.occurredOn)) {
      local.occurredOn = draft.occurredOn
        ? t('dateInput.unreadable', { pattern: t('dateInput.day') })
        : required;
    }
    setErrors(local);
    const input = eventInput(draft);
    if (Object.keys(local).length === 0 && input) add.mutate(input);
  };

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      className="wf-inline-form"
      data-testid="record-event-form"
    >
      <Stack gap="sm">
        <FormGrid cols={2}>
          <Select
            label={t('registry.record.events.type')}
            placeholder={t('registry.record.events.pickType')}
            value={draft.type}
            onChange={(v) => set({ type: v as PowEventInputType | null, facilityId: null })}
            data={allowed.map((a) => ({ value: a, label: t(`pow.eventType.${a}`) }))}
            error={errors.type}
            data-testid="record-event-type"
          />
          <DateField
            label={t('registry.record.events.occurredOn')}
            value={draft.occurredOn}
            max={todayUtc()}
            onChange={(v) => set({ occurredOn: v })}
            error={errors.occurredOn}
            data-testid="record-event-date"
          />
          {kind && (
            <Select
              label={t('registry.record.events.facility')}
              searchable
              value={draft.facilityId}
              onChange={(v) => set({ facilityId: v })}
              data={facilityOptions}
              error={errors.facilityId}
              data-testid="record-event-facility"
            />
          )}
          {(draft.type === 'exchange' || draft.type === 'repatriation') && (
            <TextInput
              label={t('registry.record.events.exchangeBatch')}
              value={draft.exchangeBatch}
              onChange={(e) => set({ exchangeBatch: e.currentTarget.value })}
              maxLength={100}
              data-testid="record-event-exchange-batch"
            />
          )}
          {(draft.type === 'release' || draft.type === 'repatriation' || draft.type === 'exchange') && (
            <TextInput
              label={t('registry.record.events.destination')}
              value={draft.destination}
              onChange={(e) => set({ destination: e.currentTarget.value })}
              maxLength={300}
            />
          )}
        </FormGrid>
        {draft.type === 'death' && (
          <FormGrid cols={2}>
            <TextInput
              label={t('registry.record.events.deathPlace')}
              value={draft.deathPlace}
              onChange={(e) => set({ deathPlace: e.currentTarget.value })}
              maxLength={300}
            />
            <TextInput
              label={t('registry.record.events.deathCause')}
              value={draft.deathCause}
              onChange={(e) => set({ deathCause: e.currentTarget.value })}
              maxLength={1000}
            />
            <TextInput
              label={t('registry.record.events.burialPlace')}
              value={draft.burialPlace}
              onChange={(e) => set({ burialPlace: e.currentTarget.value })}
              maxLength={300}
            />
            <TextInput
              label={t('registry.record.events.certificateBy')}
              value={draft.certificateBy}
              onChange={(e) => set({ certificateBy: e.currentTarget.value })}
              maxLength={300}
            />
          </FormGrid>
        )}
        {draft.type === 'health_report' && (
          <>
            <Textarea
              label={t('registry.record.events.report')}
              withAsterisk
              value={draft.report}
              onChange={(e) => set({ report: e.currentTarget.value })}
              autosize
              minRows={3}
              maxLength={4000}
              error={errors.report ?? errors.details}
              data-testid="record-event-report"
            />
            <Switch
              label={t('registry.record.events.seriouslyIll')}
              checked={draft.seriouslyIll}
              onChange={(e) => set({ seriouslyIll: e.currentTarget.checked })}
              data-testid="record-event-seriously-ill"
            />
          </>
        )}
        <Textarea
          label={t('registry.record.events.notes')}
          value={draft.notes}
          onChange={(e) => set({ notes: e.currentTarget.value })}
          autosize
          minRows={1}
          maxLength={4000}
        />
        {add.isError && Object.keys(errors).length === 0 && (
          <Alert color="red" role="alert" p="xs">
            {describeError(t, add.error)}
          </Alert>
        )}
        {errors.details && draft.type !== 'health_report' && (
          <Text size="sm" c="red" role="alert">
            {errors.details}
          </Text>
        )}
        <Group>
          <Button type="submit" size="xs" loading={add.isPending} data-testid="record-event-submit">
            {t('registry.record.events.add')}
          </Button>
          <Button size="xs" variant="default" onClick={() => setOpen(false)}>
            {t('app.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
