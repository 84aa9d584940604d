import { Alert, Button, Group, Loader, Paper, SegmentedControl, Stack, Text, Tooltip } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PowRecordDetail } from '../../../src/pow/pow.schemas.ts';
import type { PowIdentity } from '../../../src/pow/record.ts';
import { getPowRecord, identityCardUrl, isApiError, revealOrigin, updatePowRecord } from '../api.ts';
import {
  checkDraft,
  draftFromIdentity,
  type IdentityDraft,
  IdentityFields,
  identityFromDraft,
  withoutErrorsFor,
} from '../components/pow-identity-form.tsx';
import {
  CardDutiesSection,
  CorrespondenceSection,
  LettersSection,
  WelfareSection,
} from '../components/record-care.tsx';
import { EventsSection } from '../components/record-events.tsx';
import {
  ConsentBadge,
  PowStatusBadge,
  RegistryFrame,
  SectionCard,
  SeriouslyIllBadge,
} from '../components/registry-ui.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { fieldErrorsOf, formatDate } from '../lib/pow.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { Link, paths, searchParam } from '../lib/router.tsx';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

export type DocLanguage = 'uk' | 'en';

/**
 * One prisoner's record: identity (corrected in place, with the version guarding against two
 * registrars at once), events, capture-card duties and documents, welfare log, correspondence and
 * letters, and — for holders of the organisation key — the sealed link to the surrender request.
 */
export function RecordPage({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const user = useCurrentUser();
  const canWrite = hasPermission(user, 'pow.write');
  const [docLang, setDocLang] = useState<DocLanguage>(i18n.language === 'en' ? 'en' : 'uk');
  const [presetInquiry] = useState(() => {
    const inquiry = searchParam('inquiry');
    return inquiry ? { id: inquiry, ref: searchParam('ref') ?? '' } : null;
  });
  const record = useQuery({
    queryKey: queryKeys.powRecord(id),
    queryFn: ({ signal }) => getPowRecord(id, signal).then((r) => r.item),
  });
  const r = record.data;
  usePageTitle(r ? `${r.ref} · ${t('registry.title')}` : t('registry.title'));

  return (
    <RegistryFrame
      title={
        r ? (
          <Group gap="sm" align="center">
            <span className="wf-ref wf-ref-title" data-testid="record-ref">
              {r.ref}
            </span>
            <span data-testid="record-name">
              {r.identity.surname.original} {r.identity.firstNames.original}
            </span>
          </Group>
        ) : (
          t('registry.title')
        )
      }
      testId="record-page"
      actions={
        <>
          {record.isFetching && <Loader size="xs" aria-label={t('app.loading')} />}
          <Link to={paths.records} size="sm">
            {t('registry.record.back')}
          </Link>
        </>
      }
    >
      {record.isError && (
        <Alert color="red" role="alert" title={describeError(t, record.error)}>
          <Button size="xs" variant="light" onClick={() => void record.refetch()}>
            {t('app.retry')}
          </Button>
        </Alert>
      )}
      {record.isPending && <Loader aria-label={t('app.loading')} />}
      {r && (
        <>
          <Group gap="sm" wrap="wrap" data-testid="record-summary" data-status={r.status}>
            <PowStatusBadge status={r.status} />
            {r.seriouslyIll && <SeriouslyIllBadge />}
            <ConsentBadge consent={r.identity.disclosureConsent} />
            <Text size="sm">
              {r.facility
                ? `${r.facility.name}${r.arrivedOn ? ` · ${t('registry.record.arrivedOn')} ${formatDate(r.arrivedOn, i18n.language)}` : ''}`
                : t('registry.record.noFacility')}
            </Text>
            <Text size="xs" c="dimmed">
              {t('registry.record.createdAt')} {formatDateTime(r.createdAt, i18n.language)} ·{' '}
              {t('registry.record.version', { version: r.version })}
            </Text>
          </Group>
          {r.healthReportDue && (
            <Alert color="orange" p="xs" data-testid="record-health-due">
              {t('registry.record.healthDue', { date: formatDate(r.healthReportDue, i18n.language) })}
            </Alert>
          )}
          <Paper withBorder p="sm" component="section" aria-label={t('registry.record.documents')}>
            <Group gap="sm" wrap="wrap">
              <Text size="sm" fw={600}>
                {t('registry.record.documents')}
              </Text>
              <Text size="xs" c="dimmed" id="doc-lang-label">
                {t('pow.secondLanguage')}
              </Text>
              <SegmentedControl
                size="xs"
                aria-labelledby="doc-lang-label"
                value={docLang}
                onChange={(v) => setDocLang(v as DocLanguage)}
                data={[
                  { value: 'uk', label: t('pow.languages.uk') },
                  { value: 'en', label: t('pow.languages.en') },
                ]}
                data-testid="record-doc-language"
              />
              <Button
                component="a"
                href={identityCardUrl(r.id, docLang)}
                download
                size="xs"
                variant="default"
                data-testid="record-identity-card"
              >
                {t('registry.record.identityCard')}
              </Button>
              {hasPermission(user, 'pow.origin') && <OriginButton id={r.id} />}
            </Group>
          </Paper>
          <div className="wf-record-layout">
            <Stack gap="md" className="wf-record-main">
              <IdentitySection key={r.version} record={r} canWrite={canWrite} />
              <EventsSection record={r} canWrite={canWrite} />
            </Stack>
            <Stack gap="md" className="wf-record-side">
              <CardDutiesSection record={r} canWrite={canWrite} docLang={docLang} />
              <CorrespondenceSection record={r} />
              <LettersSection record={r} canWrite={canWrite} presetInquiry={presetInquiry} />
              <WelfareSection record={r} canWrite={canWrite} />
            </Stack>
          </div>
        </>
      )}
    </RegistryFrame>
  );
}

function OriginButton({ id }: { id: string }) {
  const { t } = useTranslation();
  const origin = useMutation({
    mutationFn: () => revealOrigin(id),
    onError: (e) => notifyError(t, e),
  });
  return (
    <Group gap="xs">
      <Tooltip label={t('registry.record.origin.hint')} multiline w={260}>
        <Button
          size="xs"
          variant="light"
          color="violet"
          onClick={() => origin.mutate()}
          loading={origin.isPending}
          data-testid="record-origin"
        >
          {t('registry.record.origin.button')}
        </Button>
      </Tooltip>
      {origin.data && (
        <Text size="sm" data-testid="record-origin-result" data-case={origin.data.caseRef ?? ''}>
          {origin.data.caseRef
            ? t('registry.record.origin.caseRef', { ref: origin.data.caseRef })
            : t('registry.record.origin.none')}
        </Text>
      )}
    </Group>
  );
}

function identityRows(t: TFunction, i: PowIdentity, lang: string) {
  const rows: Array<[string, string | undefined]> = [
    [t('registry.form.surnameOriginal'), i.surname.original],
    [t('registry.form.surnameLatin'), i.surname.latin],
    [t('registry.form.firstNamesOriginal'), i.firstNames.original],
    [t('registry.form.firstNamesLatin'), i.firstNames.latin],
    [t('registry.form.dateOfBirth'), i.dateOfBirth ? formatDate(i.dateOfBirth, lang) : undefined],
    [t('registry.form.placeOfBirth'), i.placeOfBirth],
    [t('registry.form.languages'), i.languages.join(', ')],
    [t('registry.form.rank'), i.rank],
    [t('registry.form.serviceNumber'), i.serviceNumber],
    [t('registry.form.unit'), i.unit],
    [t('registry.form.powerDependedOn'), i.powerDependedOn],
    [t('registry.form.fatherFirstName'), i.fatherFirstName],
    [t('registry.form.motherMaidenName'), i.motherMaidenName],
    [
      t('registry.form.personToInformName'),
      i.personToInform
        ? [i.personToInform.name, i.personToInform.address].filter(Boolean).join(', ')
        : undefined,
    ],
    [t('registry.form.correspondenceAddress'), i.correspondenceAddress],
    [t('registry.form.captureDate'), formatDate(i.captureDate, lang)],
    [t('registry.form.capturePlace'), i.capturePlace],
    [t('registry.form.health'), t(`pow.health.${i.health}`)],
    [t('registry.form.healthNotes'), i.healthNotes],
    [t('registry.form.disclosureConsent'), t(`pow.consent.${i.disclosureConsent}`)],
  ];
  return rows.filter(([, v]) => v !== undefined && v !== '');
}

/** The identity, read; or edited in place and saved against the version it was read at. */
function IdentitySection({ record, canWrite }: { record: PowRecordDetail; canWrite: boolean }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<IdentityDraft>(() => draftFromIdentity(record.identity));
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = useMutation({
    mutationFn: (identity: PowIdentity) => updatePowRecord(record.id, identity, record.version),
    onSuccess: () => {
      notifySuccess(t('registry.record.saved'));
      setEditing(false);
      void queryClient.invalidateQueries({ queryKey: queryKeys.powAll });
    },
    onError: (e) => setErrors(fieldErrorsOf(e, ['identity'])),
  });
  const conflict = isApiError(save.error) && save.error.code === 'conflict';

  const submit = () => {
    const local = checkDraft(t, draft);
    setErrors(local);
    if (Object.keys(local).length === 0) save.mutate(identityFromDraft(draft));
  };

  return (
    <SectionCard
      title={t('registry.record.identity')}
      testId="record-identity"
      actions={
        canWrite && !editing ? (
          <Button
            size="xs"
            variant="default"
            onClick={() => {
              setDraft(draftFromIdentity(record.identity));
              setErrors({});
              save.reset();
              setEditing(true);
            }}
            data-testid="record-identity-edit"
          >
            {t('registry.record.edit')}
          </Button>
        ) : null
      }
    >
      {editing ? (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack gap="sm">
            <IdentityFields
              draft={draft}
              errors={errors}
              onChange={(patch) => {
                setDraft((d) => ({ ...d, ...patch }));
                setErrors((e) => withoutErrorsFor(e, Object.keys(patch)));
              }}
            />
            {conflict && (
              <Alert color="orange" role="alert" data-testid="record-identity-conflict">
                <Stack gap="xs">
                  <Text size="sm">{t('registry.record.conflict')}</Text>
                  <Group>
                    <Button
                      size="xs"
                      variant="light"
                      onClick={() => {
                        setEditing(false);
                        void queryClient.invalidateQueries({ queryKey: queryKeys.powRecord(record.id) });
                      }}
                    >
                      {t('registry.record.reload')}
                    </Button>
                  </Group>
                </Stack>
              </Alert>
            )}
            {save.isError && !conflict && Object.keys(errors).length === 0 && (
              <Alert color="red" role="alert">
                {describeError(t, save.error)}
              </Alert>
            )}
            {Object.keys(errors).length > 0 && (
              <Text size="sm" c="red" role="alert">
                {t('registry.form.fixErrors')}
              </Text>
            )}
            <Group>
              <Button type="submit" loading={save.isPending} data-testid="record-identity-save">
                {t('registry.record.save')}
              </Button>
              <Button variant="default" onClick={() => setEditing(false)}>
                {t('app.cancel')}
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <dl className="wf-meta-list" data-testid="record-identity-view">
          {identityRows(t, record.identity, i18n.language).map(([label, value]) => (
            <MetaRow key={label} label={label} value={value as string} />
          ))}
        </dl>
      )}
    </SectionCard>
  );
}

function MetaRow({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
