import { Button, Fieldset, Group, Radio, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  DISCLOSURE_CONSENTS,
  type DisclosureConsent,
  healthStates as HEALTH_STATES,
  type HealthState,
} from '../../../src/pow/pow.lists.ts';
import type { PowIdentity } from '../../../src/pow/record.ts';
import { parsePartialDate } from '../lib/format.ts';
import { isIsoDay } from '../lib/pow.ts';
import { hasCyrillic, systemFor, transliterate } from '../lib/translit.ts';
import { DateField } from './date-field.tsx';
import { FormGrid } from './registry-ui.tsx';

/** The identity as the form holds it: every field a string, as typed. */
export interface IdentityDraft {
  surnameOriginal: string;
  surnameLatin: string;
  firstNamesOriginal: string;
  firstNamesLatin: string;
  dateOfBirth: string;
  placeOfBirth: string;
  languages: string;
  rank: string;
  serviceNumber: string;
  unit: string;
  powerDependedOn: string;
  fatherFirstName: string;
  motherMaidenName: string;
  personToInformName: string;
  personToInformAddress: string;
  correspondenceAddress: string;
  captureDate: string;
  capturePlace: string;
  health: HealthState | '';
  healthNotes: string;
  disclosureConsent: DisclosureConsent;
}
export type DraftField = keyof IdentityDraft;

/** Where the server reports each field's error (paths of src/pow/record.ts powIdentitySchema). */
export const FIELD_PATHS: Record<DraftField, string> = {
  surnameOriginal: 'surname.original',
  surnameLatin: 'surname.latin',
  firstNamesOriginal: 'firstNames.original',
  firstNamesLatin: 'firstNames.latin',
  dateOfBirth: 'dateOfBirth',
  placeOfBirth: 'placeOfBirth',
  languages: 'languages',
  rank: 'rank',
  serviceNumber: 'serviceNumber',
  unit: 'unit',
  powerDependedOn: 'powerDependedOn',
  fatherFirstName: 'fatherFirstName',
  motherMaidenName: 'motherMaidenName',
  personToInformName: 'personToInform.name',
  personToInformAddress: 'personToInform.address',
  correspondenceAddress: 'correspondenceAddress',
  captureDate: 'captureDate',
  capturePlace: 'capturePlace',
  health: 'health',
  healthNotes: 'healthNotes',
  disclosureConsent: 'disclosureConsent',
};

export function emptyDraft(today: string): IdentityDraft {
  return {
    surnameOriginal: '',
    surnameLatin: '',
    firstNamesOriginal: '',
    firstNamesLatin: '',
    dateOfBirth: '',
    placeOfBirth: '',
    languages: 'ru',
    rank: '',
    serviceNumber: '',
    unit: '',
    powerDependedOn: '',
    fatherFirstName: '',
    motherMaidenName: '',
    personToInformName: '',
    personToInformAddress: '',
    correspondenceAddress: '',
    captureDate: today,
    capturePlace: '',
    health: '',
    healthNotes: '',
    disclosureConsent: 'unknown',
  };
}

export function draftFromIdentity(i: PowIdentity): IdentityDraft {
  return {
    surnameOriginal: i.surname.original,
    surnameLatin: i.surname.latin,
    firstNamesOriginal: i.firstNames.original,
    firstNamesLatin: i.firstNames.latin,
    dateOfBirth: i.dateOfBirth ?? '',
    placeOfBirth: i.placeOfBirth ?? '',
    languages: i.languages.join(', '),
    rank: i.rank ?? '',
    serviceNumber: i.serviceNumber ?? '',
    unit: i.unit ?? '',
    powerDependedOn: i.powerDependedOn ?? '',
    fatherFirstName: i.fatherFirstName ?? '',
    motherMaidenName: i.motherMaidenName ?? '',
    personToInformName: i.personToInform?.name ?? '',
    personToInformAddress: i.personToInform?.address ?? '',
    correspondenceAddress: i.correspondenceAddress ?? '',
    captureDate: i.captureDate,
    capturePlace: i.capturePlace ?? '',
    health: i.health,
    healthNotes: i.healthNotes ?? '',
    disclosureConsent: i.disclosureConsent,
  };
}

export function parseLanguages(s: string): string[] {
  return s
    .split(/[\s,;]+/)
    .map((l) => l.trim().toLowerCase())
    .filter(Boolean);
}

/** The identity to send: empty optional fields are left out (the server refuses an empty date). */
export function identityFromDraft(d: IdentityDraft): PowIdentity {
  const opt = (v: string) => (v.trim() ? v.trim() : undefined);
  const identity: PowIdentity = {
    surname: { original: d.surnameOriginal.trim(), latin: d.surnameLatin.trim() },
    firstNames: { original: d.firstNamesOriginal.trim(), latin: d.firstNamesLatin.trim() },
    languages: parseLanguages(d.languages),
    captureDate: d.captureDate,
    health: d.health as HealthState,
    disclosureConsent: d.disclosureConsent,
  };
  const optional = {
    // 15.03.1990 and 1990-3-15 are sent as 1990-03-15.
    dateOfBirth: d.dateOfBirth.trim() ? (parsePartialDate(d.dateOfBirth) ?? d.dateOfBirth.trim()) : undefined,
    placeOfBirth: opt(d.placeOfBirth),
    rank: opt(d.rank),
    serviceNumber: opt(d.serviceNumber),
    unit: opt(d.unit),
    powerDependedOn: opt(d.powerDependedOn),
    fatherFirstName: opt(d.fatherFirstName),
    motherMaidenName: opt(d.motherMaidenName),
    correspondenceAddress: opt(d.correspondenceAddress),
    capturePlace: opt(d.capturePlace),
    healthNotes: opt(d.healthNotes),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(identity, { [k]: v });
  if (d.personToInformName.trim() || d.personToInformAddress.trim())
    identity.personToInform = {
      name: d.personToInformName.trim(),
      address: d.personToInformAddress.trim(),
    };
  return identity;
}

/** What the browser can tell before asking the server; keyed like the server's errors. */
export function checkDraft(t: TFunction, d: IdentityDraft): Record<string, string> {
  const e: Record<string, string> = {};
  const required = t('registry.form.required');
  if (!d.surnameOriginal.trim()) e['surname.original'] = required;
  if (!d.firstNamesOriginal.trim()) e['firstNames.original'] = required;
  if (!isIsoDay(d.captureDate)) e.captureDate = t('registry.form.badDate');
  if (!d.health) e.health = required;
  if (d.dateOfBirth.trim() && !parsePartialDate(d.dateOfBirth))
    e.dateOfBirth = t('registry.form.badPartialDate');
  const langs = parseLanguages(d.languages);
  if (langs.length === 0 || langs.length > 5 || langs.some((l) => !/^[a-z]{2}$/.test(l)))
    e.languages = t('registry.form.badLanguages');
  return e;
}

/** The error for a field: its own path, or one under it (`languages.0`). */
export function errorFor(errors: Record<string, string>, path: string): string | undefined {
  if (errors[path]) return errors[path];
  const nested = Object.keys(errors).find((k) => k.startsWith(`${path}.`));
  return nested ? errors[nested] : undefined;
}

/** The errors left once these fields were edited (an error goes away with its field's edit). */
export function withoutErrorsFor(errors: Record<string, string>, fields: string[]): Record<string, string> {
  const next = { ...errors };
  for (const f of fields) {
    const path = FIELD_PATHS[f as DraftField] ?? f;
    for (const key of Object.keys(next)) if (key === path || key.startsWith(`${path}.`)) delete next[key];
  }
  return next;
}

interface Props {
  draft: IdentityDraft;
  errors: Record<string, string>;
  onChange: (patch: Partial<IdentityDraft>) => void;
  /** More groups after the identity's (the new-record form's internment). */
  children?: ReactNode;
}

/**
 * The art. 17 / art. 122 identity, grouped as the capture card asks for it: identity, service,
 * family and addresses, capture and health.
 */
export function IdentityFields({ draft, errors, onChange, children }: Props) {
  const { t } = useTranslation();
  const system = systemFor(parseLanguages(draft.languages));

  const text = (
    field: DraftField,
    label: string,
    opts: { description?: string; placeholder?: string } = {},
  ) => (
    <TextInput
      label={label}
      description={opts.description}
      placeholder={opts.placeholder}
      value={draft[field]}
      onChange={(e) => onChange({ [field]: e.currentTarget.value })}
      error={errorFor(errors, FIELD_PATHS[field])}
      maxLength={field.endsWith('Address') ? 500 : 200}
      data-testid={`pow-field-${field}`}
    />
  );

  const canTransliterate = hasCyrillic(draft.surnameOriginal) || hasCyrillic(draft.firstNamesOriginal);

  return (
    <Stack gap="md">
      <Fieldset legend={t('registry.form.groups.identity')}>
        <Stack gap="sm">
          <FormGrid cols={2}>
            <TextInput
              label={t('registry.form.surnameOriginal')}
              withAsterisk
              value={draft.surnameOriginal}
              onChange={(e) => onChange({ surnameOriginal: e.currentTarget.value })}
              error={errorFor(errors, FIELD_PATHS.surnameOriginal)}
              maxLength={200}
              data-testid="pow-field-surnameOriginal"
            />
            {text('surnameLatin', t('registry.form.surnameLatin'))}
            <TextInput
              label={t('registry.form.firstNamesOriginal')}
              withAsterisk
              value={draft.firstNamesOriginal}
              onChange={(e) => onChange({ firstNamesOriginal: e.currentTarget.value })}
              error={errorFor(errors, FIELD_PATHS.firstNamesOriginal)}
              maxLength={200}
              data-testid="pow-field-firstNamesOriginal"
            />
            {text('firstNamesLatin', t('registry.form.firstNamesLatin'))}
          </FormGrid>
          <Group gap="sm">
            <Button
              size="xs"
              variant="light"
              disabled={!canTransliterate}
              onClick={() =>
                onChange({
                  surnameLatin: transliterate(draft.surnameOriginal.trim(), system),
                  firstNamesLatin: transliterate(draft.firstNamesOriginal.trim(), system),
                })
              }
              data-testid="pow-transliterate"
            >
              {t('registry.form.transliterate')}
            </Button>
            <Text size="xs" c="dimmed">
              {t('registry.form.transliterateHint', { system: t(`registry.form.systems.${system}`) })}
            </Text>
          </Group>
          <FormGrid cols={3}>
            {text('dateOfBirth', t('registry.form.dateOfBirth'), {
              description: t('registry.form.dateOfBirthHint'),
            })}
            {text('placeOfBirth', t('registry.form.placeOfBirth'))}
            <TextInput
              label={t('registry.form.languages')}
              description={t('registry.form.languagesHint')}
              withAsterisk
              value={draft.languages}
              onChange={(e) => onChange({ languages: e.currentTarget.value })}
              error={errorFor(errors, FIELD_PATHS.languages)}
              maxLength={30}
              data-testid="pow-field-languages"
            />
          </FormGrid>
        </Stack>
      </Fieldset>

      <Fieldset legend={t('registry.form.groups.service')}>
        <FormGrid cols={2}>
          {text('rank', t('registry.form.rank'))}
          {text('serviceNumber', t('registry.form.serviceNumber'))}
          {text('unit', t('registry.form.unit'))}
          {text('powerDependedOn', t('registry.form.powerDependedOn'), {
            placeholder: t('registry.form.powerPlaceholder'),
          })}
        </FormGrid>
      </Fieldset>

      <Fieldset legend={t('registry.form.groups.family')}>
        <FormGrid cols={2}>
          {text('fatherFirstName', t('registry.form.fatherFirstName'))}
          {text('motherMaidenName', t('registry.form.motherMaidenName'))}
          {text('personToInformName', t('registry.form.personToInformName'))}
          {text('personToInformAddress', t('registry.form.personToInformAddress'))}
          {text('correspondenceAddress', t('registry.form.correspondenceAddress'))}
        </FormGrid>
      </Fieldset>

      <Fieldset legend={t('registry.form.groups.capture')}>
        <Stack gap="sm">
          <FormGrid cols={3}>
            <DateField
              label={t('registry.form.captureDate')}
              withAsterisk
              value={draft.captureDate}
              onChange={(v) => onChange({ captureDate: v })}
              error={errorFor(errors, FIELD_PATHS.captureDate)}
              data-testid="pow-field-captureDate"
            />
            {text('capturePlace', t('registry.form.capturePlace'))}
            <Select
              label={t('registry.form.health')}
              withAsterisk
              value={draft.health || null}
              onChange={(v) => onChange({ health: (v ?? '') as HealthState | '' })}
              data={HEALTH_STATES.map((h) => ({ value: h, label: t(`pow.health.${h}`) }))}
              error={errorFor(errors, FIELD_PATHS.health)}
              data-testid="pow-field-health"
            />
          </FormGrid>
          <Textarea
            label={t('registry.form.healthNotes')}
            value={draft.healthNotes}
            onChange={(e) => onChange({ healthNotes: e.currentTarget.value })}
            error={errorFor(errors, FIELD_PATHS.healthNotes)}
            autosize
            minRows={2}
            maxLength={2000}
            data-testid="pow-field-healthNotes"
          />
          <Radio.Group
            label={t('registry.form.disclosureConsent')}
            value={draft.disclosureConsent}
            onChange={(v) => onChange({ disclosureConsent: v as DisclosureConsent })}
            error={errorFor(errors, FIELD_PATHS.disclosureConsent)}
          >
            <Group gap="md" mt={4}>
              {DISCLOSURE_CONSENTS.map((c) => (
                <Radio key={c} value={c} label={t(`pow.consent.${c}`)} data-testid={`pow-consent-${c}`} />
              ))}
            </Group>
          </Radio.Group>
        </Stack>
      </Fieldset>
      {children}
    </Stack>
  );
}
