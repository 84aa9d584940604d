import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  NumberInput,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FACILITY_KINDS, type FacilityKind } from '../../../src/pow/pow.lists.ts';
import type { Facility, FacilityInput } from '../../../src/pow/pow.schemas.ts';
import { createFacility, isApiError, updateFacility } from '../api.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { RegistryFrame, useFacilities } from '../components/registry-ui.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { fieldErrorsOf } from '../lib/pow.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

type Editing = { kind: 'new' } | { kind: 'edit'; facility: Facility } | null;

/** Places of internment: capacity against how many are held there now; add, change, close. */
export function FacilitiesPage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const canManage = hasPermission(user, 'facility.manage');
  const queryClient = useQueryClient();
  usePageTitle(t('registry.facilities.title'));
  const facilities = useFacilities();
  const [editing, setEditing] = useState<Editing>(null);
  const [closing, setClosing] = useState<Facility | null>(null);

  const toggle = useMutation({
    mutationFn: (f: Facility) =>
      updateFacility(f.id, {
        name: f.name,
        kind: f.kind,
        address: f.address,
        capacity: f.capacity,
        closed: !f.closed,
      }),
    onSuccess: () => {
      notifySuccess(t('registry.facilities.saved'));
      setClosing(null);
      void queryClient.invalidateQueries({ queryKey: queryKeys.powAll });
    },
    onError: (e) => notifyError(t, e),
  });

  return (
    <RegistryFrame
      title={t('registry.facilities.title')}
      testId="facilities-page"
      actions={
        <>
          {facilities.isFetching && <Loader size="xs" aria-label={t('app.loading')} />}
          {canManage && (
            <Button size="xs" onClick={() => setEditing({ kind: 'new' })} data-testid="facility-add">
              {t('registry.facilities.add')}
            </Button>
          )}
        </>
      }
    >
      {facilities.isError && (
        <Alert color="red" role="alert">
          {describeError(t, facilities.error)}
        </Alert>
      )}
      {facilities.isPending && <Loader aria-label={t('app.loading')} />}
      {facilities.data &&
        (facilities.data.items.length === 0 ? (
          <Text c="dimmed" size="sm">
            {t('registry.facilities.empty')}
          </Text>
        ) : (
          <div className="wf-table-scroll">
            <Table
              className="wf-badges-full"
              verticalSpacing={6}
              aria-label={t('registry.facilities.tableLabel')}
              data-testid="facilities-table"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('registry.facilities.name')}</Table.Th>
                  <Table.Th scope="col">{t('registry.facilities.kind')}</Table.Th>
                  <Table.Th scope="col">{t('registry.facilities.address')}</Table.Th>
                  <Table.Th scope="col" className="wf-num">
                    {t('registry.facilities.current')}
                  </Table.Th>
                  <Table.Th scope="col" className="wf-num">
                    {t('registry.facilities.capacity')}
                  </Table.Th>
                  <Table.Th scope="col">{t('registry.facilities.state')}</Table.Th>
                  {canManage && (
                    <Table.Th scope="col">
                      <span className="wf-visually-hidden">{t('registry.columns.actions')}</span>
                    </Table.Th>
                  )}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {facilities.data.items.map((f) => {
                  const over = f.current > f.capacity;
                  return (
                    <Table.Tr
                      key={f.id}
                      className="wf-facility-row"
                      data-over={over ? 'true' : undefined}
                      data-closed={f.closed ? 'true' : undefined}
                      data-testid={`facility-row-${f.name}`}
                    >
                      <Table.Td fw={600}>{f.name}</Table.Td>
                      <Table.Td>{t(`pow.facilityKind.${f.kind}`)}</Table.Td>
                      <Table.Td>{f.address || t('app.none')}</Table.Td>
                      <Table.Td className="wf-num">
                        <Group gap={6} justify="flex-end" wrap="nowrap">
                          {over && (
                            <Badge color="red" size="xs" variant="filled" tt="none">
                              {t('registry.facilities.over')}
                            </Badge>
                          )}
                          <span>{f.current}</span>
                        </Group>
                      </Table.Td>
                      <Table.Td className="wf-num">{f.capacity}</Table.Td>
                      <Table.Td>
                        <Badge color={f.closed ? 'gray' : 'teal'} variant="light" tt="none">
                          {f.closed ? t('registry.facilities.closed') : t('registry.facilities.open')}
                        </Badge>
                      </Table.Td>
                      {canManage && (
                        <Table.Td>
                          <Group gap={4} justify="flex-end" wrap="nowrap">
                            <Button
                              size="compact-xs"
                              variant="default"
                              onClick={() => setEditing({ kind: 'edit', facility: f })}
                            >
                              {t('app.edit')}
                            </Button>
                            <Button
                              size="compact-xs"
                              variant="light"
                              color={f.closed ? 'teal' : 'red'}
                              onClick={() => (f.closed ? toggle.mutate(f) : setClosing(f))}
                              loading={toggle.isPending && toggle.variables?.id === f.id}
                            >
                              {f.closed ? t('registry.facilities.reopen') : t('registry.facilities.close')}
                            </Button>
                          </Group>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </div>
        ))}
      {editing && (
        <FacilityModal
          facility={editing.kind === 'edit' ? editing.facility : null}
          onClose={() => setEditing(null)}
        />
      )}
      <ConfirmDialog
        opened={closing !== null}
        title={t('registry.facilities.close')}
        message={t('registry.facilities.closeConfirm', { name: closing?.name ?? '' })}
        confirmLabel={t('registry.facilities.close')}
        danger
        loading={toggle.isPending}
        onConfirm={() => closing && toggle.mutate(closing)}
        onCancel={() => setClosing(null)}
      />
    </RegistryFrame>
  );
}

function FacilityModal({ facility, onClose }: { facility: Facility | null; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(facility?.name ?? '');
  const [kind, setKind] = useState<FacilityKind>(facility?.kind ?? 'camp');
  const [address, setAddress] = useState(facility?.address ?? '');
  const [capacity, setCapacity] = useState<number | string>(facility?.capacity ?? 100);
  const [closed, setClosed] = useState(facility?.closed ?? false);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = useMutation({
    mutationFn: (body: FacilityInput) =>
      facility ? updateFacility(facility.id, body) : createFacility(body),
    onSuccess: () => {
      notifySuccess(t('registry.facilities.saved'));
      void queryClient.invalidateQueries({ queryKey: queryKeys.powAll });
      onClose();
    },
    onError: (e) =>
      setErrors(
        isApiError(e) && e.code === 'conflict' && e.details?.field === 'name'
          ? { name: t('registry.facilities.nameTaken') }
          : fieldErrorsOf(e),
      ),
  });

  const submit = () => {
    const cap = typeof capacity === 'number' ? capacity : Number.parseInt(capacity, 10);
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = t('registry.form.required');
    if (!Number.isInteger(cap) || cap < 0) local.capacity = t('registry.form.required');
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    save.mutate({
      name: name.trim(),
      kind,
      address: address.trim(),
      capacity: cap,
      ...(facility ? { closed } : {}),
    });
  };

  return (
    <Modal
      opened
      onClose={onClose}
      title={facility ? t('registry.facilities.editTitle') : t('registry.facilities.addTitle')}
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack gap="sm">
          <TextInput
            label={t('registry.facilities.name')}
            withAsterisk
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            maxLength={200}
            data-autofocus
            data-testid="facility-name"
          />
          <Select
            label={t('registry.facilities.kind')}
            value={kind}
            allowDeselect={false}
            onChange={(v) => v && setKind(v as FacilityKind)}
            data={FACILITY_KINDS.map((k) => ({ value: k, label: t(`pow.facilityKind.${k}`) }))}
            data-testid="facility-kind"
          />
          <TextInput
            label={t('registry.facilities.address')}
            value={address}
            onChange={(e) => setAddress(e.currentTarget.value)}
            error={errors.address}
            maxLength={500}
            data-testid="facility-address"
          />
          <NumberInput
            label={t('registry.facilities.capacity')}
            withAsterisk
            value={capacity}
            onChange={setCapacity}
            min={0}
            max={1_000_000}
            allowDecimal={false}
            error={errors.capacity}
            data-testid="facility-capacity"
          />
          {facility && (
            <Switch
              label={t('registry.facilities.closed')}
              checked={closed}
              onChange={(e) => setClosed(e.currentTarget.checked)}
            />
          )}
          {save.isError && Object.keys(errors).length === 0 && (
            <Alert color="red" role="alert" p="xs">
              {describeError(t, save.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="facility-save">
              {t('app.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
