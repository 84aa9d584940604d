import { Alert, Badge, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QueueItem, ThreadMessage } from '../../../src/cases/cases.schemas.ts';
import type { AnswerError } from '../../../src/protocol/answers.ts';
import type { ProtocolStepView, RequestProtocol } from '../../../src/protocol/protocol.schema.ts';
import {
  completeProtocolStep,
  getRequestProtocol,
  isApiError,
  saveProtocolAnswers,
  sendStepInstructions,
} from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { languageName } from '../lib/labels.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import {
  type Draft,
  draftFromAnswer,
  parseNextAction,
  pickText,
  sameDraft,
  valueFromDraft,
} from '../lib/protocol.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { ProtocolQuestionField } from './protocol-question.tsx';

interface Props {
  request: QueueItem;
  messages: ThreadMessage[];
  canReply: boolean;
  canComplete: boolean;
}

type StepState = 'done' | 'current' | 'later';

type StepDrafts = Record<string, Draft>;
const NO_DRAFTS: StepDrafts = {};

/**
 * The surrender protocol for this request as a checklist: completed steps ticked, the current one
 * open with its guidance, questions and actions, later ones collapsed (any can be opened). Reading it
 * decrypts the answers in this session and is audited, like opening the thread: no background
 * refetching, only after a change (ours or a live event).
 */
export function ProtocolChecklist({ request, messages, canReply, canComplete }: Props) {
  const { t } = useTranslation();
  const protocol = useQuery({
    queryKey: queryKeys.protocol(request.id),
    queryFn: ({ signal }) => getRequestProtocol(request.id, signal),
    refetchOnWindowFocus: false,
    staleTime: 30_000,
  });

  const currentStepId = protocol.data?.currentStepId ?? null;
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  // Unsaved answers by step: kept here so that collapsing a step does not throw them away.
  const [drafts, setDrafts] = useState<Record<string, StepDrafts>>({});
  const draftsOf = (stepId: string) => drafts[stepId] ?? NO_DRAFTS;
  const updateDrafts = (stepId: string) => (update: (prev: StepDrafts) => StepDrafts) =>
    setDrafts((all) => ({ ...all, [stepId]: update(all[stepId] ?? NO_DRAFTS) }));
  // The current step opens by itself; when it is completed, the next one takes its place.
  useEffect(() => {
    setOpen(currentStepId ? new Set([currentStepId]) : new Set());
  }, [currentStepId]);

  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  if (protocol.isPending) return <Loader size="sm" aria-label={t('app.loading')} />;
  if (protocol.isError) {
    return (
      <Alert color="red" role="alert" title={t('protocol.title')} data-testid="protocol-error">
        <Text size="sm">{describeError(t, protocol.error)}</Text>
        <Button size="xs" variant="light" mt="xs" onClick={() => void protocol.refetch()}>
          {t('app.retry')}
        </Button>
      </Alert>
    );
  }

  const p = protocol.data;
  const doneCount = p.steps.filter((s) => s.completed).length;
  return (
    <Stack gap="xs" data-testid="protocol-checklist" data-version={p.version}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Title order={2} size="h5" id="protocol-heading">
          {t('protocol.title')}
        </Title>
        <Group gap={6} wrap="nowrap">
          {protocol.isFetching && <Loader size={14} aria-label={t('app.loading')} />}
          <Badge variant="light" color="gray" tt="none" title={t('protocol.versionTitle')}>
            {t('protocol.progress', { done: doneCount, total: p.steps.length })}
          </Badge>
        </Group>
      </Group>
      <NextActionNote protocol={p} />
      {p.steps.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('protocol.noSteps')}
        </Text>
      ) : (
        <ol className="wf-steps" aria-labelledby="protocol-heading">
          {p.steps.map((step, index) => {
            const state: StepState = step.completed
              ? 'done'
              : step.id === currentStepId
                ? 'current'
                : 'later';
            return (
              <StepItem
                key={step.id}
                index={index}
                step={step}
                state={state}
                expanded={open.has(step.id)}
                onToggle={() => toggle(step.id)}
                drafts={draftsOf(step.id)}
                setDrafts={updateDrafts(step.id)}
                request={request}
                messages={messages}
                canReply={canReply}
                canComplete={canComplete}
              />
            );
          })}
        </ol>
      )}
      <Text size="xs" c="dimmed">
        {t('protocol.version', { version: p.version })}
      </Text>
    </Stack>
  );
}

/** The server's `nextAction` as a sentence. */
function NextActionNote({ protocol }: { protocol: RequestProtocol }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const action = parseNextAction(protocol.nextAction);
  const stepTitle = (id: string) => pickText(protocol.steps.find((s) => s.id === id)?.title, lang) || id;
  const current = protocol.steps.find((s) => s.id === protocol.currentStepId);
  let text: string;
  switch (action.kind) {
    case 'done':
      text = t('protocol.next.done');
      break;
    case 'answer': {
      const labels = action.questionIds.map(
        (id) => pickText(current?.questions.find((q) => q.id === id)?.label, lang) || id,
      );
      text = t('protocol.next.answer', {
        step: current ? pickText(current.title, lang) : '',
        questions: labels.join('; '),
      });
      break;
    }
    case 'send':
      text = t('protocol.next.send', { step: stepTitle(action.stepId) });
      break;
    case 'complete':
      text = t('protocol.next.complete', { step: stepTitle(action.stepId) });
      break;
    case 'unknown':
      text = action.raw;
      break;
  }
  return (
    <div
      className="wf-next-action"
      data-testid="protocol-next-action"
      data-action={protocol.nextAction}
      data-done={action.kind === 'done'}
    >
      <Text size="xs" fw={700} span>
        {t('protocol.next.label')}
      </Text>{' '}
      <Text size="sm" span>
        {text}
      </Text>
    </div>
  );
}

interface StepProps {
  index: number;
  step: ProtocolStepView;
  state: StepState;
  expanded: boolean;
  onToggle(): void;
  request: QueueItem;
  messages: ThreadMessage[];
  canReply: boolean;
  canComplete: boolean;
  drafts: StepDrafts;
  setDrafts(update: (prev: StepDrafts) => StepDrafts): void;
}

function StepItem({
  index,
  step,
  state,
  expanded,
  onToggle,
  request,
  messages,
  canReply,
  canComplete,
  drafts,
  setDrafts,
}: StepProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const bodyId = useId();
  const unsaved = Object.keys(drafts).length > 0;
  const title = pickText(step.title, lang);
  return (
    <li
      className="wf-step"
      data-state={state}
      data-testid={`protocol-step-${step.id}`}
      data-completed={step.completed}
      aria-current={state === 'current' ? 'step' : undefined}
    >
      <button
        type="button"
        className="wf-step-head"
        aria-expanded={expanded}
        aria-controls={bodyId}
        onClick={onToggle}
        data-testid={`protocol-toggle-${step.id}`}
      >
        <span className="wf-step-mark" aria-hidden="true">
          {state === 'done' ? '✓' : index + 1}
        </span>
        <span className="wf-step-title">
          {title}
          <span className="wf-visually-hidden"> — {t(`protocol.state.${state}`)}</span>
        </span>
        <span className="wf-step-meta">
          {state === 'done' && step.completedAt && (
            <time dateTime={step.completedAt}>{formatDateTime(step.completedAt, lang)}</time>
          )}
          {unsaved && (
            <Badge size="xs" color="orange" variant="light" tt="none" component="span">
              {t('protocol.unsavedShort')}
            </Badge>
          )}
          {state === 'current' && (
            <Badge size="xs" color="blue" variant="filled" tt="none" component="span">
              {t('protocol.state.current')}
            </Badge>
          )}
          <span className="wf-step-chevron" aria-hidden="true">
            {expanded ? '▾' : '▸'}
          </span>
        </span>
      </button>
      {expanded && (
        <div id={bodyId} className="wf-step-body">
          <StepBody
            step={step}
            request={request}
            messages={messages}
            canReply={canReply}
            canComplete={canComplete}
            drafts={drafts}
            setDrafts={setDrafts}
          />
        </div>
      )}
    </li>
  );
}

function useInvalidateCase(id: string) {
  const queryClient = useQueryClient();
  return (withRequest: boolean) => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.protocol(id) });
    if (!withRequest) return;
    void queryClient.invalidateQueries({ queryKey: queryKeys.request(id) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.queueAll });
    void queryClient.invalidateQueries({ queryKey: queryKeys.countsAll });
  };
}

function answerErrorsOf(e: unknown): Record<string, AnswerError> | null {
  if (!isApiError(e) || e.code !== 'validation_failed') return null;
  const errors = e.details?.errors;
  if (!errors || typeof errors !== 'object') return null;
  const out: Record<string, AnswerError> = {};
  for (const [k, v] of Object.entries(errors as Record<string, unknown>)) {
    if (v === 'required' || v === 'invalid' || v === 'too_long' || v === 'out_of_range') out[k] = v;
    else out[k] = 'invalid';
  }
  return out;
}

function missingOf(e: unknown): string[] | null {
  if (!isApiError(e) || e.status !== 409) return null;
  const m = e.details?.missing;
  return Array.isArray(m) ? m.filter((x): x is string => typeof x === 'string') : null;
}

function StepBody({
  step,
  request,
  messages,
  canReply,
  canComplete,
  drafts,
  setDrafts,
}: Omit<StepProps, 'index' | 'state' | 'expanded' | 'onToggle'>) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const invalidate = useInvalidateCase(request.id);
  const [fieldErrors, setFieldErrors] = useState<Record<string, AnswerError>>({});

  const originals = useMemo(
    () => Object.fromEntries(step.questions.map((q) => [q.id, draftFromAnswer(q)])),
    [step.questions],
  );
  const dirtyIds = Object.keys(drafts);
  const labelOf = (qid: string) => pickText(step.questions.find((q) => q.id === qid)?.label, lang) || qid;

  const typedAnswers = () => {
    const answers: Record<string, unknown> = {};
    for (const q of step.questions) {
      if (q.id in drafts) answers[q.id] = valueFromDraft(q, drafts[q.id] ?? null);
    }
    return answers;
  };

  const save = useMutation({
    mutationFn: () => saveProtocolAnswers(request.id, step.id, typedAnswers()),
    onSuccess: () => {
      setDrafts(() => NO_DRAFTS);
      setFieldErrors({});
      notifySuccess(t('protocol.saved'));
      invalidate(false);
    },
    onError: (e) => {
      const errs = answerErrorsOf(e);
      if (errs) setFieldErrors(errs);
    },
  });

  // One action: what is typed is saved with the completion. A refusal changes nothing on the server
  // and keeps the typed values here, with the invalid or missing questions marked beside them.
  const complete = useMutation({
    mutationFn: () => completeProtocolStep(request.id, step.id, typedAnswers()),
    onMutate: () => save.reset(),
    onError: (e) => {
      const errs = answerErrorsOf(e);
      if (errs) setFieldErrors(errs);
      const missingIds = missingOf(e);
      if (missingIds) setFieldErrors(Object.fromEntries(missingIds.map((id) => [id, 'required' as const])));
    },
    onSuccess: (r) => {
      setDrafts(() => NO_DRAFTS);
      setFieldErrors({});
      notifySuccess(
        step.moveTo && r.request.status === step.moveTo
          ? t('protocol.completedMoved', { status: t(`status.${step.moveTo}`) })
          : t('protocol.completed'),
      );
      invalidate(true);
    },
  });

  const send = useMutation({
    mutationFn: () => sendStepInstructions(request.id, step.id),
    onSuccess: () => {
      notifySuccess(t('protocol.instructionsSent', { channel: t(`channel.${request.channel}`) }));
      invalidate(true);
    },
    onError: (e) => notifyError(t, e),
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (dirtyIds.length === 0 || save.isPending) return;
    save.mutate();
  }

  const guidance = pickText(step.guidance, lang);
  // The requester gets the instructions in the request's language (Russian when unknown).
  const requestLang = ['ru', 'uk', 'en'].includes(request.language) ? request.language : 'ru';
  const instructions = step.instructions ? pickText(step.instructions, requestLang) : '';
  const sentAt = instructions
    ? ([...messages].reverse().find((m) => m.direction === 'out' && m.body.trim() === instructions.trim())
        ?.at ?? null)
    : null;
  const missing = missingOf(complete.error);
  const saveError = save.isError && !answerErrorsOf(save.error) ? describeError(t, save.error) : null;

  return (
    <Stack gap="xs">
      <Group gap={6}>
        <Badge size="xs" variant="light" color="gray" tt="none">
          {t(`protocol.audience.${step.audience}`)}
        </Badge>
        {step.moveTo && (
          <Badge size="xs" variant="light" color="violet" tt="none">
            {t('protocol.movesTo', { status: t(`status.${step.moveTo}`) })}
          </Badge>
        )}
      </Group>
      {guidance && (
        <div className="wf-guidance" data-testid={`protocol-guidance-${step.id}`}>
          <Text size="xs" fw={700} c="dimmed">
            {t('protocol.guidance')}
          </Text>
          <Text size="sm" className="wf-pre">
            {guidance}
          </Text>
        </div>
      )}

      {step.questions.length > 0 && (
        <form onSubmit={onSubmit} aria-label={t('protocol.answersFor', { step: pickText(step.title, lang) })}>
          <Stack gap="xs">
            {step.questions.map((q) => (
              <ProtocolQuestionField
                key={q.id}
                stepId={step.id}
                question={q}
                value={q.id in drafts ? (drafts[q.id] ?? null) : (originals[q.id] ?? null)}
                dirty={q.id in drafts}
                error={fieldErrors[q.id] ?? null}
                disabled={!canReply || save.isPending || complete.isPending}
                onChange={(v) => {
                  setDrafts((prev) => {
                    const next = { ...prev };
                    if (sameDraft(v, originals[q.id] ?? null)) delete next[q.id];
                    else next[q.id] = v;
                    return next;
                  });
                  setFieldErrors((prev) => {
                    if (!(q.id in prev)) return prev;
                    const { [q.id]: _, ...rest } = prev;
                    return rest;
                  });
                }}
              />
            ))}
            {Object.keys(fieldErrors).length > 0 && (
              <Alert color="red" p="xs" role="alert" data-testid={`protocol-errors-${step.id}`}>
                <Text size="sm">
                  {t('protocol.invalidAnswers', {
                    questions: Object.keys(fieldErrors).map(labelOf).join('; '),
                  })}
                </Text>
              </Alert>
            )}
            {saveError && (
              <Alert color="red" p="xs" role="alert">
                <Text size="sm">{saveError}</Text>
              </Alert>
            )}
            {canReply && (
              <Group gap="xs" justify="flex-end">
                {dirtyIds.length > 0 && (
                  <Button
                    size="xs"
                    variant="subtle"
                    color="gray"
                    onClick={() => {
                      setDrafts(() => NO_DRAFTS);
                      setFieldErrors({});
                    }}
                  >
                    {t('protocol.discard')}
                  </Button>
                )}
                <Button
                  type="submit"
                  size="xs"
                  variant="default"
                  disabled={dirtyIds.length === 0}
                  loading={save.isPending}
                  data-testid={`protocol-save-${step.id}`}
                >
                  {dirtyIds.length > 0
                    ? t('protocol.saveCount', { count: dirtyIds.length })
                    : t('protocol.save')}
                </Button>
              </Group>
            )}
          </Stack>
        </form>
      )}

      {instructions && (
        <div className="wf-instructions-box">
          <Group gap="xs">
            <Text size="xs" fw={700} c="dimmed">
              {t('protocol.instructions', { language: languageName(t, requestLang) })}
            </Text>
            {sentAt && (
              <Badge
                size="xs"
                color="teal"
                variant="light"
                tt="none"
                data-testid={`protocol-sent-${step.id}`}
              >
                {t('protocol.sentAt', { at: formatDateTime(sentAt, lang) })}
              </Badge>
            )}
          </Group>
          {/* It scrolls when long: keyboard users reach it with Tab (WCAG 2.1.1). */}
          <blockquote
            className="wf-instructions"
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be focusable
            tabIndex={0}
            lang={requestLang}
            data-testid={`protocol-instructions-${step.id}`}
          >
            {instructions}
          </blockquote>
          {canReply && (
            <Group justify="flex-end">
              <Button
                size="xs"
                variant={sentAt ? 'default' : 'light'}
                loading={send.isPending}
                onClick={() => send.mutate()}
                data-testid={`protocol-send-${step.id}`}
              >
                {sentAt ? t('protocol.sendAgain') : t('protocol.send')}
              </Button>
            </Group>
          )}
        </div>
      )}

      {!step.completed && canComplete && (
        <Stack gap={4}>
          {missing && missing.length > 0 && (
            <Alert
              color="orange"
              p="xs"
              role="alert"
              title={t('protocol.missingTitle')}
              data-testid={`protocol-missing-${step.id}`}
            >
              <ul className="wf-plain-list wf-bullets">
                {missing.map((id) => (
                  <li key={id}>{labelOf(id)}</li>
                ))}
              </ul>
            </Alert>
          )}
          {complete.isError && !missing && !answerErrorsOf(complete.error) && (
            <Alert color="red" p="xs" role="alert">
              <Text size="sm">{describeError(t, complete.error)}</Text>
            </Alert>
          )}
          {dirtyIds.length > 0 && (
            <Text size="xs" c="dimmed" data-testid={`protocol-complete-saves-${step.id}`}>
              {t('protocol.completeSaves', { count: dirtyIds.length })}
            </Text>
          )}
          <Group justify="flex-end">
            <Button
              size="xs"
              color="teal"
              loading={complete.isPending}
              onClick={() => complete.mutate()}
              data-testid={`protocol-complete-${step.id}`}
            >
              {step.moveTo
                ? t('protocol.completeMove', { status: t(`status.${step.moveTo}`) })
                : t('protocol.complete')}
            </Button>
          </Group>
        </Stack>
      )}
    </Stack>
  );
}
