import { Badge, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { OperatorOnShift } from '../../../src/supervisor/supervisor.schemas.ts';
import { formatAgo } from '../lib/format.ts';

export function OperatorsTable({ operators, now }: { operators: OperatorOnShift[]; now: number }) {
  const { t } = useTranslation();
  if (operators.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('supervisor.operators.none')}
      </Text>
    );
  }
  // Online first, then whoever holds most.
  const sorted = [...operators].sort((a, b) => Number(b.online) - Number(a.online) || b.holding - a.holding);
  return (
    <div className="wf-table-scroll">
      <Table verticalSpacing={6} aria-label={t('supervisor.onShift')} data-testid="operators-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('supervisor.operators.email')}</Table.Th>
            <Table.Th scope="col">{t('supervisor.operators.role')}</Table.Th>
            <Table.Th scope="col">{t('supervisor.operators.online')}</Table.Th>
            <Table.Th scope="col">{t('supervisor.operators.lastSeen')}</Table.Th>
            <Table.Th scope="col" ta="right">
              {t('supervisor.operators.holding')}
            </Table.Th>
            <Table.Th scope="col" ta="right">
              {t('supervisor.operators.awaiting')}
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sorted.map((op) => (
            <Table.Tr key={op.id}>
              <Table.Td>{op.email}</Table.Td>
              <Table.Td>{t(`roles.${op.role}`)}</Table.Td>
              <Table.Td>
                <Badge variant="dot" color={op.online ? 'green' : 'gray'} tt="none">
                  {op.online ? t('supervisor.operators.isOnline') : t('supervisor.operators.isOffline')}
                </Badge>
              </Table.Td>
              <Table.Td>{op.lastSeenAt ? formatAgo(t, op.lastSeenAt, now) : t('app.none')}</Table.Td>
              <Table.Td ta="right">{op.holding}</Table.Td>
              <Table.Td ta="right">
                {op.awaitingReply > 0 ? (
                  <Badge color="orange" variant="light">
                    {op.awaitingReply}
                  </Badge>
                ) : (
                  0
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
