import { Button, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { navigate, paths } from '../lib/router.tsx';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Stack align="flex-start" gap="sm" py="xl">
      <Title order={1} size="h3">
        {t('notFound.title')}
      </Title>
      <Button variant="light" onClick={() => navigate(paths.queue)}>
        {t('notFound.back')}
      </Button>
    </Stack>
  );
}

export function NoAccessPage() {
  const { t } = useTranslation();
  return (
    <Stack align="flex-start" gap="sm" py="xl">
      <Title order={1} size="h3">
        {t('noAccess.title')}
      </Title>
      <Text>{t('noAccess.body')}</Text>
    </Stack>
  );
}
