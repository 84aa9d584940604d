import { Kbd, Modal, Table, Text } from '@mantine/core';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';

type Keys = string[][];

/** The shortcut list; each entry is alternatives (or), each alternative a sequence (then). */
export function ShortcutsHelp({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const rows: { keys: Keys; label: string }[] = [
    { keys: [['j'], ['n']], label: t('shortcuts.next') },
    { keys: [['k']], label: t('shortcuts.prev') },
    { keys: [['Enter'], ['o']], label: t('shortcuts.open') },
    { keys: [['c']], label: t('shortcuts.claim') },
    { keys: [['r']], label: t('shortcuts.reply') },
    { keys: [['g', 'q']], label: t('shortcuts.queue') },
    { keys: [['Ctrl', '+', 'Enter']], label: t('shortcuts.send') },
    { keys: [['?']], label: t('shortcuts.help') },
  ];
  return (
    <Modal opened={opened} onClose={onClose} title={t('shortcuts.title')} size="md">
      <Text size="sm" c="dimmed" mb="sm">
        {t('shortcuts.intro')}
      </Text>
      <Table>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.label}>
              <Table.Td className="wf-nowrap">
                {row.keys.map((alt, i) => (
                  <Fragment key={alt.join('')}>
                    {i > 0 && ` ${t('shortcuts.keys.or')} `}
                    {alt.map((k, j) =>
                      k === '+' ? (
                        ' + '
                      ) : (
                        <Fragment key={k}>
                          {j > 0 && alt[j - 1] !== '+' && ` ${t('shortcuts.keys.sequence')} `}
                          <Kbd>{k}</Kbd>
                        </Fragment>
                      ),
                    )}
                  </Fragment>
                ))}
              </Table.Td>
              <Table.Td>{row.label}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}
