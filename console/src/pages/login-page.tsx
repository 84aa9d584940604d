import { Alert, Button, Divider, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import type { TFunction } from 'i18next';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import * as api from '../api.ts';
import { LanguageSwitch } from '../components/language-switch.tsx';
import { useNow } from '../hooks/use-now.ts';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { type LoginNotice, useSession } from '../lib/session.tsx';

type LoginError = { kind: 'message'; text: string } | { kind: 'throttled'; until: number | null };

export function LoginPage({ notice }: { notice: LoginNotice | null }) {
  const { t } = useTranslation();
  const { completeLogin } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [busy, setBusy] = useState<'password' | 'key' | null>(null);
  const [error, setError] = useState<LoginError | null>(null);
  const now = useNow(1000);
  usePageTitle(t('login.title'));
  const webauthn = browserSupportsWebAuthn();

  const throttledFor =
    error?.kind === 'throttled' && error.until !== null ? Math.ceil((error.until - now) / 1000) : 0;

  function fail(e: unknown) {
    if (api.isApiError(e)) {
      if (e.code === 'too_many_attempts' || e.status === 429) {
        const s = e.retryAfter;
        setError({ kind: 'throttled', until: s !== null ? Date.now() + s * 1000 : null });
        return;
      }
      if (e.code === 'invalid_credentials' || e.code === 'totp_required' || e.code === 'totp_reused') {
        setError({ kind: 'message', text: t(`login.errors.${e.code}`) });
        return;
      }
    }
    setError({ kind: 'message', text: describeError(t, e) });
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!email || !password) {
      setError({ kind: 'message', text: t('login.errors.missing') });
      return;
    }
    setBusy('password');
    setError(null);
    try {
      completeLogin(await api.login({ email: email.trim(), password, totp: totp.replace(/\s/g, '') }));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  }

  async function onSecurityKey() {
    if (!email || !password) {
      setError({ kind: 'message', text: t('login.securityKeyHint') });
      return;
    }
    setBusy('key');
    setError(null);
    try {
      const { ticket, options } = await api.loginWebauthnOptions({ email: email.trim(), password });
      let response: Awaited<ReturnType<typeof startAuthentication>>;
      try {
        response = await startAuthentication({ optionsJSON: options });
      } catch {
        setError({ kind: 'message', text: t('login.securityKeyCancelled') });
        return;
      }
      completeLogin(await api.loginWebauthnVerify({ ticket, response }));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  }

  const noticeText = notice ? noticeMessage(t, notice) : null;
  const locked = throttledFor > 0;

  return (
    <div className="wf-center">
      <Paper withBorder shadow="sm" p="xl" radius="md" className="wf-auth-card">
        <main>
          <form onSubmit={(e) => void onSubmit(e)} noValidate>
            <Stack gap="md">
              <Stack gap={4}>
                <Text fw={700} c="dimmed" size="sm">
                  {t('app.name')} · {t('app.console')}
                </Text>
                <Title order={1} size="h3">
                  {t('login.title')}
                </Title>
              </Stack>
              {noticeText && (
                <Alert
                  color={notice === 'locked' || notice === 'session_ended' ? 'orange' : 'blue'}
                  role="status"
                >
                  {noticeText}
                </Alert>
              )}
              <TextInput
                label={t('login.email')}
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                data-testid="login-email"
                data-autofocus
                autoFocus
              />
              <PasswordInput
                label={t('login.password')}
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                data-testid="login-password"
              />
              <TextInput
                label={t('login.totp')}
                description={t('login.totpHint')}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={10}
                value={totp}
                onChange={(e) => setTotp(e.currentTarget.value)}
                data-testid="login-totp"
              />
              {error && (
                <Alert color="red" role="alert" data-testid="login-error">
                  {error.kind === 'message'
                    ? error.text
                    : error.until !== null && throttledFor > 0
                      ? t('login.errors.too_many_attempts', { seconds: throttledFor })
                      : t('login.errors.too_many_attempts_later')}
                </Alert>
              )}
              <Button
                type="submit"
                loading={busy === 'password'}
                disabled={busy !== null || locked}
                data-testid="login-submit"
              >
                {t('login.submit')}
              </Button>
              {webauthn && (
                <>
                  <Divider label={t('login.or')} labelPosition="center" />
                  <Button
                    variant="default"
                    onClick={() => void onSecurityKey()}
                    loading={busy === 'key'}
                    disabled={busy !== null || locked}
                    data-testid="login-webauthn"
                  >
                    {t('login.useSecurityKey')}
                  </Button>
                  <Text size="xs" c="dimmed">
                    {t('login.securityKeyHint')}
                  </Text>
                </>
              )}
              <LanguageSwitch />
            </Stack>
          </form>
        </main>
      </Paper>
    </div>
  );
}

function noticeMessage(t: TFunction, notice: LoginNotice): string {
  switch (notice) {
    case 'session_ended':
      return t('login.sessionEnded');
    case 'locked':
      return t('login.locked');
    case 'logged_out':
      return t('login.loggedOut');
    case 'password_changed':
      return t('login.passwordChanged');
  }
}
