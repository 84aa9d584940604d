import {
  Alert,
  Button,
  FileButton,
  Group,
  Loader,
  NumberInput,
  SegmentedControl,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Language as RequestLanguage } from '../../../src/i18n/languages.ts';
import type { VoiceSettings } from '../../../src/voice/voice.schemas.ts';
import { VOICE_STEPS, type VoiceStep } from '../../../src/voice/voice-steps.ts';
import {
  deleteVoicePrompt,
  getVoiceSettings,
  listVoicePrompts,
  saveVoiceSettings,
  uploadVoicePrompt,
} from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';

const LANGUAGES: RequestLanguage[] = ['ru', 'uk', 'en'];

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/**
 * The admin's phone line: queue timeout, hours, recording, and the menu as data — per language and
 * step a text (empty = the shipped text, read by text-to-speech) and optionally a recorded prompt.
 */
export function PhoneLineSettings() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: queryKeys.voiceSettings,
    queryFn: ({ signal }) => getVoiceSettings(signal),
  });
  const prompts = useQuery({
    queryKey: queryKeys.voicePrompts,
    queryFn: ({ signal }) => listVoicePrompts(signal),
  });
  const [draft, setDraft] = useState<VoiceSettings | null>(null);
  const [language, setLanguage] = useState<RequestLanguage>('ru');
  useEffect(() => {
    if (settings.data && !draft) setDraft(settings.data);
  }, [settings.data, draft]);
  const save = useMutation({
    mutationFn: (s: VoiceSettings) => saveVoiceSettings(s),
    onSuccess: (s) => {
      queryClient.setQueryData(queryKeys.voiceSettings, s);
      setDraft(s);
      notifySuccess(t('phone.settings.saved'));
    },
    onError: (e) => notifyError(t, e),
  });
  const upload = useMutation({
    mutationFn: async (v: { step: VoiceStep; file: File }) =>
      uploadVoicePrompt(language, v.step, await toBase64(v.file)),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.voicePrompts });
      notifySuccess(t('phone.settings.promptUploaded'));
    },
    onError: (e) => notifyError(t, e),
  });
  const remove = useMutation({
    mutationFn: (step: VoiceStep) => deleteVoicePrompt(language, step),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.voicePrompts }),
    onError: (e) => notifyError(t, e),
  });

  if (settings.isError)
    return (
      <Alert color="red" role="alert">
        {describeError(t, settings.error)}
      </Alert>
    );
  if (!draft) return <Loader size="sm" aria-label={t('app.loading')} />;
  const set = (patch: Partial<VoiceSettings>) => setDraft({ ...draft, ...patch });
  const setText = (step: VoiceStep, text: string) =>
    set({ menu: { ...draft.menu, [language]: { ...(draft.menu[language] ?? {}), [step]: text } } });

  return (
    <Stack gap="sm" data-testid="phone-line-settings">
      <Title order={2} size="h4">
        {t('phone.settings.tab')}
      </Title>
      <Text size="sm">{t('phone.settings.intro')}</Text>
      <Group gap="sm" align="end" wrap="wrap">
        <NumberInput
          label={t('phone.settings.queueTimeout')}
          min={15}
          max={600}
          value={draft.queueTimeoutSec}
          onChange={(v) => set({ queueTimeoutSec: Number(v) || 90 })}
          data-testid="voice-queue-timeout"
        />
        <TextInput
          label={t('phone.settings.hoursFrom')}
          value={draft.hours?.from ?? ''}
          placeholder="08:00"
          onChange={(e) => {
            const from = e.currentTarget.value;
            set({ hours: from ? { from, to: draft.hours?.to ?? '22:00' } : null });
          }}
        />
        <TextInput
          label={t('phone.settings.hoursTo')}
          value={draft.hours?.to ?? ''}
          placeholder="22:00"
          disabled={!draft.hours}
          onChange={(e) => draft.hours && set({ hours: { ...draft.hours, to: e.currentTarget.value } })}
        />
        <NumberInput
          label={t('phone.settings.utcOffset')}
          value={draft.utcOffsetMinutes}
          onChange={(v) => set({ utcOffsetMinutes: Number(v) || 0 })}
        />
        <NumberInput
          label={t('phone.settings.callbackSla')}
          min={5}
          value={draft.callbackSlaMinutes}
          onChange={(v) => set({ callbackSlaMinutes: Number(v) || 120 })}
        />
      </Group>
      <Switch
        label={t('phone.settings.recordCalls')}
        checked={draft.recordCalls}
        onChange={(e) => set({ recordCalls: e.currentTarget.checked })}
        data-testid="voice-record-calls"
      />
      <SegmentedControl
        value={language}
        onChange={(v) => setLanguage(v as RequestLanguage)}
        data={LANGUAGES.map((l) => ({ value: l, label: l.toUpperCase() }))}
        aria-label={t('phone.settings.language')}
      />
      <Text size="xs" c="dimmed">
        {t('phone.settings.promptFormats')}
      </Text>
      {VOICE_STEPS.map((step) => {
        const prompt = prompts.data?.items.find((p) => p.language === language && p.step === step);
        return (
          <Stack key={step} gap={4} data-testid={`voice-step-${step}`}>
            <Textarea
              label={t(`phone.settings.step.${step}`)}
              autosize
              minRows={1}
              maxRows={4}
              value={draft.menu[language]?.[step] ?? ''}
              placeholder={t('phone.settings.defaultText', { text: '…' })}
              onChange={(e) => setText(step, e.currentTarget.value)}
            />
            <Group gap="xs">
              <Text size="xs" c="dimmed">
                {prompt
                  ? t('phone.settings.promptSet', { seconds: (prompt.durationMs / 1000).toFixed(1) })
                  : t('phone.settings.promptNone')}
              </Text>
              <FileButton
                accept="audio/wav,audio/x-wav,.wav"
                onChange={(file) => file && upload.mutate({ step, file })}
              >
                {(props) => (
                  <Button
                    size="compact-xs"
                    variant="light"
                    {...props}
                    loading={upload.isPending && upload.variables?.step === step}
                  >
                    {t('phone.settings.promptUpload')}
                  </Button>
                )}
              </FileButton>
              {prompt && (
                <Button size="compact-xs" variant="subtle" color="red" onClick={() => remove.mutate(step)}>
                  {t('phone.settings.promptRemove')}
                </Button>
              )}
            </Group>
          </Stack>
        );
      })}
      <Group>
        <Button onClick={() => save.mutate(draft)} loading={save.isPending} data-testid="voice-settings-save">
          {t('app.save')}
        </Button>
      </Group>
    </Stack>
  );
}
