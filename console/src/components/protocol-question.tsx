import {
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  Radio,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import type { TFunction } from 'i18next';
import { type ReactNode, useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { AnswerError } from '../../../src/protocol/answers.ts';
import type { ProtocolQuestionView as ProtocolQuestion } from '../../../src/protocol/protocol.schema.ts';
import { formatDateTime } from '../lib/format.ts';
import { type Draft, pickText } from '../lib/protocol.ts';
import { DateField, DateTimeField } from './date-field.tsx';

/** Marks a sensitive (sealed) question; an SVG, since the console ships no icon or emoji font. */
function LockIcon() {
  return (
    <svg className="wf-lock" width="11" height="11" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 1a5 5 0 0 0-5 5v3H5.5A1.5 1.5 0 0 0 4 10.5v11A1.5 1.5 0 0 0 5.5 23h13a1.5 1.5 0 0 0 1.5-1.5v-11A1.5 1.5 0 0 0 18.5 9H17V6a5 5 0 0 0-5-5Zm-3 8V6a3 3 0 1 1 6 0v3H9Z"
      />
    </svg>
  );
}

function describeAnswerError(t: TFunction, q: ProtocolQuestion, error: AnswerError): string {
  if (error !== 'out_of_range') return t(`protocol.answerErrors.${error}`);
  if (q.type === 'datetime_window') return t('protocol.answerErrors.windowRange');
  if (q.min !== undefined && q.max !== undefined)
    return t('protocol.answerErrors.between', { min: q.min, max: q.max });
  if (q.min !== undefined) return t('protocol.answerErrors.atLeast', { min: q.min });
  if (q.max !== undefined) return t('protocol.answerErrors.atMost', { max: q.max });
  return t('protocol.answerErrors.out_of_range');
}

interface Props {
  stepId: string;
  question: ProtocolQuestion;
  value: Draft;
  dirty: boolean;
  error: AnswerError | null;
  disabled: boolean;
  onChange(value: Draft): void;
}

/**
 * One protocol question as a form field of its type, with whether (and by whom) it is answered.
 * Labels are in the operator's interface language (Russian when a text is missing).
 */
export function ProtocolQuestionField({
  stepId,
  question: q,
  value,
  dirty,
  error,
  disabled,
  onChange,
}: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const label = pickText(q.label, lang);
  const help = q.help ? pickText(q.help, lang) : q.type === 'coarse_location' ? t('protocol.coarseHint') : '';
  const errorText = error ? describeAnswerError(t, q, error) : null;
  const statusId = useId();

  const labelNode: ReactNode = (
    <>
      {label}
      {q.sensitive && (
        <span className="wf-sealed" title={t('protocol.sensitive')}>
          {' '}
          <LockIcon />
          <span className="wf-visually-hidden">{t('protocol.sensitiveShort')}</span>
        </span>
      )}
    </>
  );
  const common = {
    label: labelNode,
    description: help || undefined,
    withAsterisk: q.required,
    error: errorText,
    disabled,
    'aria-describedby': statusId,
  };
  const options = (q.options ?? []).map((o) => ({ value: o.value, label: pickText(o.label, lang) }));

  let field: ReactNode;
  switch (q.type) {
    case 'text':
    case 'coarse_location':
      field = (
        <TextInput
          {...common}
          size="xs"
          maxLength={500}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
      break;
    case 'longtext':
      field = (
        <Textarea
          {...common}
          size="xs"
          autosize
          minRows={2}
          maxRows={6}
          maxLength={5000}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
      break;
    case 'number':
      field = (
        <NumberInput
          {...common}
          size="xs"
          min={q.min}
          max={q.max}
          clampBehavior="none"
          hideControls
          value={typeof value === 'number' || typeof value === 'string' ? value : ''}
          onChange={(v) => onChange(v)}
        />
      );
      break;
    case 'date':
      field = (
        <DateField
          {...common}
          size="xs"
          value={typeof value === 'string' ? value : ''}
          onChange={(v) => onChange(v)}
        />
      );
      break;
    case 'choice':
      field = (
        <Radio.Group
          {...common}
          size="xs"
          value={typeof value === 'string' ? value : null}
          onChange={(v) => onChange(v)}
        >
          <Stack gap={4} mt={4}>
            {options.map((o) => (
              <Radio key={o.value} value={o.value} label={o.label} size="xs" disabled={disabled} />
            ))}
          </Stack>
        </Radio.Group>
      );
      break;
    case 'multichoice':
      field = (
        <Checkbox.Group
          {...common}
          size="xs"
          value={Array.isArray(value) ? value : []}
          onChange={(v) => onChange(v)}
        >
          <Stack gap={4} mt={4}>
            {options.map((o) => (
              <Checkbox key={o.value} value={o.value} label={o.label} size="xs" disabled={disabled} />
            ))}
          </Stack>
        </Checkbox.Group>
      );
      break;
    case 'boolean':
      field = (
        <Radio.Group
          {...common}
          size="xs"
          value={typeof value === 'string' ? value : null}
          onChange={(v) => onChange(v)}
        >
          <Group gap="md" mt={4}>
            <Radio value="yes" label={t('app.yes')} size="xs" disabled={disabled} />
            <Radio value="no" label={t('app.no')} size="xs" disabled={disabled} />
          </Group>
        </Radio.Group>
      );
      break;
    case 'datetime_window': {
      const w =
        typeof value === 'object' && value !== null && !Array.isArray(value) ? value : { start: '', end: '' };
      field = (
        <Fieldset
          legend={
            <Text size="xs" fw={500} span>
              {labelNode}
              {q.required && (
                <span className="wf-required" aria-hidden="true">
                  {' '}
                  *
                </span>
              )}
            </Text>
          }
          p="xs"
          disabled={disabled}
          aria-describedby={statusId}
        >
          {help && (
            <Text size="xs" c="dimmed" mb={4}>
              {help}
            </Text>
          )}
          <Group gap="xs" grow>
            <DateTimeField
              size="xs"
              label={t('protocol.windowStart')}
              value={w.start}
              onChange={(v) => onChange({ ...w, start: v })}
              error={Boolean(errorText)}
              required={q.required}
            />
            <DateTimeField
              size="xs"
              label={t('protocol.windowEnd')}
              value={w.end}
              onChange={(v) => onChange({ ...w, end: v })}
              error={Boolean(errorText)}
              required={q.required}
            />
          </Group>
          <Text size="xs" c="dimmed" mt={4}>
            {/* The question's own help usually tells about the reminder already. */}
            {q.remindBeforeMinutes && !q.help
              ? t('protocol.windowHintReminder', { minutes: q.remindBeforeMinutes })
              : t('protocol.windowHint')}
          </Text>
          {errorText && (
            <Text size="xs" c="red" role="alert" mt={4}>
              {errorText}
            </Text>
          )}
        </Fieldset>
      );
      break;
    }
  }

  return (
    <div
      className="wf-question"
      data-testid={`protocol-answer-${stepId}-${q.id}`}
      data-answered={q.answer !== null}
      data-dirty={dirty}
    >
      {field}
      <Text
        size="xs"
        id={statusId}
        className="wf-question-status"
        data-state={dirty ? 'dirty' : q.answer !== null ? 'answered' : 'open'}
      >
        {dirty
          ? t('protocol.unsaved')
          : q.answer !== null
            ? t('protocol.answeredBy', {
                who: t(`protocol.by.${q.answeredBy ?? 'operator'}`),
                at: formatDateTime(q.answeredAt, lang),
              })
            : t('protocol.unanswered')}
      </Text>
    </div>
  );
}
