import { SegmentedControl } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { setUiLanguage, UI_LANGUAGES, type UiLanguage } from '../i18n/index.ts';

const LABELS: Record<UiLanguage, string> = { uk: 'УКР', en: 'EN' };
const NAMES: Record<UiLanguage, string> = { uk: 'Українська', en: 'English' };

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('header.language')}
      value={i18n.language}
      onChange={(v) => setUiLanguage(v as UiLanguage)}
      data={UI_LANGUAGES.map((l) => ({
        value: l,
        label: (
          <span lang={l} title={NAMES[l]}>
            {LABELS[l]}
          </span>
        ),
      }))}
      data-testid="language-switch"
    />
  );
}
