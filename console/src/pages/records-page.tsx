import { Alert, Button, Checkbox, Group, Loader, Select, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  recordStatuses as POW_STATUSES,
  type RecordStatus as PowStatus,
} from '../../../src/pow/pow.lists.ts';
import type { PowRecordQuery } from '../../../src/pow/pow.schemas.ts';
import { listPowRecords } from '../api.ts';
import {
  Pager,
  PowStatusBadge,
  RegistryFrame,
  ScriptNames,
  SeriouslyIllBadge,
  useFacilities,
} from '../components/registry-ui.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { formatDate } from '../lib/pow.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { Link, navigate, paths } from '../lib/router.tsx';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

const LIMIT = 25;

/** Every record, filtered by status, facility, the seriously ill, or a reference or name. */
export function RecordsPage() {
  const { t, i18n } = useTranslation();
  const user = useCurrentUser();
  usePageTitle(t('registry.records.title'));
  const facilities = useFacilities();
  const [status, setStatus] = useState<PowStatus | null>(null);
  const [facilityId, setFacilityId] = useState<string | null>(null);
  const [seriouslyIll, setSeriouslyIll] = useState(false);
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [offset, setOffset] = useState(0);

  const query: PowRecordQuery = {
    status: status ?? undefined,
    facilityId: facilityId ?? undefined,
    seriouslyIll,
    q: debounced || undefined,
    limit: LIMIT,
    offset,
  };
  const list = useQuery({
    queryKey: queryKeys.powRecords(query),
    queryFn: ({ signal }) => listPowRecords(query, signal),
    placeholderData: keepPreviousData,
  });

  // Any filter change starts again at the first page.
  const filter =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setOffset(0);
    };

  return (
    <RegistryFrame
      title={t('registry.records.title')}
      testId="records-page"
      actions={
        <>
          {list.isFetching && <Loader size="xs" aria-label={t('app.loading')} />}
          {hasPermission(user, 'pow.write') && (
            <Button size="xs" onClick={() => navigate(paths.recordNew())} data-testid="records-new">
              {t('registry.records.new')}
            </Button>
          )}
        </>
      }
    >
      <div className="wf-filters">
        <TextInput
          type="search"
          label={t('registry.records.search')}
          placeholder={t('registry.records.searchPlaceholder')}
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            setOffset(0);
          }}
          maxLength={200}
          className="wf-filter-wide"
          data-testid="records-search"
        />
        <Select
          label={t('registry.records.status')}
          placeholder={t('registry.records.anyStatus')}
          clearable
          value={status}
          onChange={filter((v: string | null) => setStatus(v as PowStatus | null))}
          data={POW_STATUSES.map((s) => ({ value: s, label: t(`pow.status.${s}`) }))}
          data-testid="records-status"
        />
        <Select
          label={t('registry.records.facility')}
          placeholder={t('registry.records.anyFacility')}
          clearable
          searchable
          value={facilityId}
          onChange={filter(setFacilityId)}
          data={(facilities.data?.items ?? []).map((f) => ({ value: f.id, label: f.name }))}
          data-testid="records-facility"
        />
        <Checkbox
          label={t('registry.records.seriouslyIll')}
          checked={seriouslyIll}
          onChange={(e) => filter(setSeriouslyIll)(e.currentTarget.checked)}
          data-testid="records-seriously-ill"
          className="wf-filter-check"
        />
      </div>
      {list.isError && (
        <Alert color="red" role="alert">
          {describeError(t, list.error)}
        </Alert>
      )}
      {list.isPending && <Loader aria-label={t('app.loading')} />}
      {list.data &&
        (list.data.items.length === 0 ? (
          <Text c="dimmed" size="sm" data-testid="records-empty">
            {t('registry.records.empty')}
          </Text>
        ) : (
          <div className="wf-table-scroll">
            <Table
              className="wf-badges-full"
              highlightOnHover
              verticalSpacing={6}
              aria-label={t('registry.records.tableLabel')}
              data-testid="records-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('registry.columns.ref')}</Table.Th>
                  <Table.Th scope="col">{t('registry.columns.names')}</Table.Th>
                  <Table.Th scope="col">{t('registry.columns.dateOfBirth')}</Table.Th>
                  <Table.Th scope="col">{t('registry.columns.status')}</Table.Th>
                  <Table.Th scope="col">{t('registry.columns.facility')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((r) => (
                  <Table.Tr key={r.id} data-testid={`record-row-${r.ref}`}>
                    <Table.Td>
                      <Link to={paths.record(r.id)} className="wf-ref">
                        {r.ref}
                      </Link>
                    </Table.Td>
                    <Table.Td>
                      <ScriptNames surname={r.surname} firstNames={r.firstNames} />
                    </Table.Td>
                    <Table.Td className="wf-nowrap">{formatDate(r.dateOfBirth, i18n.language)}</Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <PowStatusBadge status={r.status} />
                        {r.seriouslyIll && <SeriouslyIllBadge />}
                      </Group>
                    </Table.Td>
                    <Table.Td>{r.facility?.name ?? t('app.none')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        ))}
      {list.data && list.data.total > 0 && (
        <Pager
          offset={offset}
          limit={LIMIT}
          count={list.data.items.length}
          total={list.data.total}
          onOffset={setOffset}
          testId="records-pager"
        />
      )}
    </RegistryFrame>
  );
}
