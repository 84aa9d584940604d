import { Button, CopyButton, Group, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** A value shown once (one-time password, TOTP URI): read-only, selectable, one click to copy. */
export function SecretField({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <TextInput
        label={label}
        value={value}
        readOnly
        flex={1}
        classNames={{ input: 'wf-secret' }}
        onFocus={(e) => e.currentTarget.select()}
        data-testid={testId}
      />
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button
            variant={copied ? 'filled' : 'default'}
            color={copied ? 'teal' : undefined}
            onClick={copy}
            aria-label={`${t('app.copy')}: ${label}`}
          >
            {copied ? t('app.copied') : t('app.copy')}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}
