import { Alert, Button, Fieldset, Group, Select, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { NewPowRecord } from '../../../src/pow/pow.schemas.ts';
import { createPowRecord, isApiError } from '../api.ts';
import { DateField } from '../components/date-field.tsx';
import {
  checkDraft,
  emptyDraft,
  type IdentityDraft,
  IdentityFields,
  identityFromDraft,
  withoutErrorsFor,
} from '../components/pow-identity-form.tsx';
import { FormGrid, RegistryFrame, useFacilities } from '../components/registry-ui.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { notifySuccess } from '../lib/notify.ts';
import { fieldErrorsOf, todayUtc } from '../lib/pow.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { navigate, paths, searchParam } from '../lib/router.tsx';

/**
 * Registering a prisoner of war: the identity in groups, the Latin names filled in by
 * transliteration, and where he is interned. Opened from a custody handover (`?case=REF`), the record
 * carries the sealed link to that request. What was typed stays after a refusal, with the server's
 * field errors next to the fields.
 */
export function RecordNewPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  usePageTitle(t('registry.form.title'));
  const facilities = useFacilities();
  const [caseRef] = useState(() => searchParam('case')?.trim() || null);
  const [draft, setDraft] = useState<IdentityDraft>(() => emptyDraft(todayUtc()));
  const [facilityId, setFacilityId] = useState<string | null>(null);
  const [arrivedOn, setArrivedOn] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});

  const create = useMutation({
    mutationFn: (body: NewPowRecord) => createPowRecord(body),
    onSuccess: (r) => {
      notifySuccess(t('registry.form.created', { ref: r.ref }));
      void queryClient.invalidateQueries({ queryKey: queryKeys.powAll });
      navigate(paths.record(r.id), { replace: true });
    },
    onError: (e) => setErrors(fieldErrorsOf(e, ['identity'])),
  });

  const change = (patch: Partial<IdentityDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setErrors((e) => withoutErrorsFor(e, Object.keys(patch)));
  };

  const submit = () => {
    const local = checkDraft(t, draft);
    if (facilityId && !arrivedOn) local.arrivedOn = t('registry.form.required');
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    create.mutate({
      identity: identityFromDraft(draft),
      ...(facilityId ? { facilityId, arrivedOn } : {}),
      ...(caseRef ? { fromCaseRef: caseRef } : {}),
    });
  };

  const placeable = (facilities.data?.items ?? []).filter((f) => !f.closed && f.kind !== 'hospital');
  const hasErrors = Object.keys(errors).length > 0;
  // Errors the form has no field for (a request already registered, a stale case).
  const otherError =
    create.isError && (!isApiError(create.error) || create.error.code !== 'validation_failed' || !hasErrors)
      ? describeError(t, create.error)
      : null;

  return (
    <RegistryFrame title={t('registry.form.title')} testId="record-new-page">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack gap="md" maw={980}>
          <Text size="sm" c="dimmed">
            {t('registry.form.intro')}
          </Text>
          {caseRef && (
            <Alert color="green" data-testid="record-new-case" data-case={caseRef}>
              {t('registry.form.fromCase', { ref: caseRef })}
            </Alert>
          )}
          <IdentityFields draft={draft} errors={errors} onChange={change}>
            <Fieldset legend={t('registry.form.groups.internment')}>
              <FormGrid cols={2}>
                <Select
                  label={t('registry.form.facility')}
                  placeholder={t('registry.form.noFacility')}
                  clearable
                  searchable
                  value={facilityId}
                  onChange={(v) => {
                    setFacilityId(v);
                    if (v && !arrivedOn) setArrivedOn(todayUtc());
                    setErrors((e) => withoutErrorsFor(e, ['facilityId']));
                  }}
                  data={placeable.map((f) => ({
                    value: f.id,
                    label: `${f.name} (${f.current}/${f.capacity})`,
                  }))}
                  error={errors.facilityId}
                  data-testid="pow-field-facility"
                />
                <DateField
                  label={t('registry.form.arrivedOn')}
                  value={arrivedOn}
                  disabled={!facilityId}
                  onChange={(v) => {
                    setArrivedOn(v);
                    setErrors((e) => withoutErrorsFor(e, ['arrivedOn']));
                  }}
                  error={errors.arrivedOn}
                  data-testid="pow-field-arrivedOn"
                />
              </FormGrid>
            </Fieldset>
          </IdentityFields>
          {hasErrors && (
            <Text size="sm" c="red" role="alert" data-testid="record-new-errors">
              {t('registry.form.fixErrors')}
            </Text>
          )}
          {otherError && (
            <Alert color="red" role="alert" data-testid="record-new-error">
              {otherError}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={create.isPending} data-testid="record-new-submit">
              {t('registry.form.submit')}
            </Button>
            <Button variant="default" onClick={() => navigate(paths.records)}>
              {t('app.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </RegistryFrame>
  );
}
