import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { CaseState } from '../../../src/cases/case-state.ts';
import type { QueueItem, RequestDetail, TriageVerdict } from '../../../src/cases/cases.schemas.ts';
import {
  assignRequest,
  changeStatus,
  claimRequest,
  markCallbackDone,
  releaseRequest,
  setRequestTags,
  setTriageVerdict,
} from '../api.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';

/** The case actions on one request; each refreshes the request, the queue and the counts. */
export function useRequestActions(id: string) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();

  const applied = (r: { request: QueueItem }) => {
    queryClient.setQueryData<RequestDetail>(queryKeys.request(id), (old) =>
      old ? { ...old, request: { ...old.request, ...r.request } } : old,
    );
    void queryClient.invalidateQueries({ queryKey: queryKeys.request(id) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.queueAll });
    void queryClient.invalidateQueries({ queryKey: queryKeys.countsAll });
    void queryClient.invalidateQueries({ queryKey: queryKeys.supervisor });
  };

  const claim = useMutation({
    mutationFn: () => claimRequest(id),
    onSuccess: (r) => {
      applied(r);
      notifySuccess(t('request.actions.claimed'));
    },
    onError: (e) => notifyError(t, e),
  });

  const release = useMutation({
    mutationFn: () => releaseRequest(id),
    onSuccess: (r) => {
      applied(r);
      notifySuccess(t('request.actions.released'));
    },
    onError: (e) => notifyError(t, e),
  });

  const assign = useMutation({
    mutationFn: (userId: string | null) => assignRequest(id, userId),
    onSuccess: (r) => {
      applied(r);
      notifySuccess(t('request.actions.assigned'));
    },
    onError: (e) => notifyError(t, e),
  });

  // Errors shown inline next to the status select (a 409 lists what is allowed instead).
  const status = useMutation({
    mutationFn: (s: CaseState) => changeStatus(id, s),
    onSuccess: (r, s) => {
      applied(r);
      notifySuccess(t('request.actions.statusChanged', { status: t(`status.${s}`) }));
    },
  });

  const tags = useMutation({
    mutationFn: (list: string[]) => setRequestTags(id, list),
    onSuccess: (r) => applied(r),
  });

  const callbackDone = useMutation({
    mutationFn: () => markCallbackDone(id),
    onSuccess: (r) => {
      applied(r);
      notifySuccess(t('request.callback.marked'));
    },
    onError: (e) => notifyError(t, e),
  });

  // Confirm as spam/probe (flags sender and text for 30 days) or overrule the score.
  const triage = useMutation({
    mutationFn: (v: { verdict: TriageVerdict; reason?: string }) => setTriageVerdict(id, v.verdict, v.reason),
    onSuccess: (r, v) => {
      applied(r);
      notifySuccess(t(v.verdict === 'spam' ? 'triage.doneSpam' : 'triage.doneGenuine'));
    },
  });

  return { claim, release, assign, status, tags, callbackDone, triage };
}

export type RequestActions = ReturnType<typeof useRequestActions>;
