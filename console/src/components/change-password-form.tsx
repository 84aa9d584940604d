import { Alert, Button, PasswordInput, Stack } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { changePassword, isApiError } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { useSession } from '../lib/session.tsx';

// Same bound as the server (src/auth/password.ts); the server stays the judge.
const PASSWORD_MIN = 12;

/** Changing the password ends every session of this user: afterwards the operator logs in again. */
export function ChangePasswordForm() {
  const { t } = useTranslation();
  const { endSession } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (next.length < PASSWORD_MIN) return setError(t('password.tooShort', { min: PASSWORD_MIN }));
    if (next !== repeat) return setError(t('password.mismatch'));
    setBusy(true);
    setError(null);
    try {
      await changePassword({ currentPassword: current, newPassword: next });
      await endSession('password_changed');
    } catch (err) {
      setError(
        isApiError(err) && err.code === 'invalid_credentials'
          ? t('password.wrongCurrent')
          : describeError(t, err),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate>
      <Stack gap="sm" maw={420}>
        <PasswordInput
          label={t('password.current')}
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.currentTarget.value)}
          data-testid="password-current"
        />
        <PasswordInput
          label={t('password.new')}
          description={t('password.tooShort', { min: PASSWORD_MIN })}
          autoComplete="new-password"
          required
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
          data-testid="password-new"
        />
        <PasswordInput
          label={t('password.repeat')}
          autoComplete="new-password"
          required
          value={repeat}
          onChange={(e) => setRepeat(e.currentTarget.value)}
          data-testid="password-repeat"
        />
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Button type="submit" loading={busy} data-testid="password-submit">
          {t('password.submit')}
        </Button>
      </Stack>
    </form>
  );
}
