import { TextInput, type TextInputProps } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { readDateTime, readDay, showDateTime, showDay } from '../lib/date-input.ts';

/**
 * Date fields that show and take dates the way the rest of the console shows them — day first, 24-hour
 * (`lib/date-input.ts`) — instead of the browser's picker, which follows the browser's locale. Drop-in
 * for `<TextInput type="date">` / `type="datetime-local"`: the value is the same ISO string
 * (`YYYY-MM-DD`, `YYYY-MM-DDTHH:mm`), '' when empty. What cannot be read is passed on as typed (so a
 * form never silently saves "no date") and marks the field invalid: the form's submit is blocked the way
 * the browser blocked a bad date before, and the field says how to write it once the operator leaves it.
 */
type Props = Omit<TextInputProps, 'value' | 'onChange' | 'type' | 'min' | 'max' | 'defaultValue'> & {
  value: string;
  onChange: (value: string) => void;
  /** Bounds in the value's own ISO form. */
  min?: string;
  max?: string;
};

interface Format {
  show: (value: string, lang: string) => string;
  read: (text: string) => string | null;
  pattern: 'dateInput.day' | 'dateInput.dayTime';
}

const DAY: Format = { show: showDay, read: readDay, pattern: 'dateInput.day' };
const DAY_TIME: Format = { show: showDateTime, read: readDateTime, pattern: 'dateInput.dayTime' };

export function DateField(props: Props) {
  return <TypedDateField {...props} format={DAY} />;
}

export function DateTimeField(props: Props) {
  return <TypedDateField {...props} format={DAY_TIME} />;
}

function TypedDateField({
  value,
  onChange,
  min,
  max,
  error,
  format,
  onBlur,
  ...rest
}: Props & { format: Format }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const input = useRef<HTMLInputElement>(null);
  const [text, setText] = useState(() => format.show(value, lang));
  const [left, setLeft] = useState(false);
  // the last value this field reported: anything else arriving in `value` came from outside (a reset,
  // a preset range, a default) and replaces what is shown
  const reported = useRef(value);
  useEffect(() => {
    if (value === reported.current) return;
    reported.current = value;
    setText(format.show(value, lang));
  }, [value, lang, format]);
  // a change of interface language shows a readable value in the new language's form
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a language change reformats
  useEffect(() => {
    setText((shown) => {
      const read = format.read(shown);
      return read === null ? shown : format.show(read, lang);
    });
  }, [lang]);

  const parsed = text.trim() ? format.read(text) : '';
  const pattern = t(format.pattern);
  // a bound that is itself unreadable (another field still being typed) bounds nothing
  const upper = max && format.read(max) ? max : undefined;
  const lower = min && format.read(min) ? min : undefined;
  const problem =
    parsed === null
      ? t('dateInput.unreadable', { pattern })
      : parsed && upper && parsed > upper
        ? t('dateInput.notAfter', { date: format.show(upper, lang) })
        : parsed && lower && parsed < lower
          ? t('dateInput.notBefore', { date: format.show(lower, lang) })
          : null;
  useEffect(() => {
    input.current?.setCustomValidity(problem ?? '');
  }, [problem]);

  return (
    <TextInput
      {...rest}
      ref={input}
      type="text"
      autoComplete="off"
      spellCheck={false}
      placeholder={rest.placeholder ?? pattern}
      value={text}
      onChange={(e) => {
        const typed = e.currentTarget.value;
        setText(typed);
        const read = typed.trim() ? format.read(typed) : '';
        const next = read ?? typed;
        reported.current = next;
        onChange(next);
      }}
      onBlur={(e) => {
        setLeft(true);
        if (parsed) setText(format.show(parsed, lang));
        onBlur?.(e);
      }}
      error={typeof error === 'string' && error ? error : (left && problem) || error}
    />
  );
}
