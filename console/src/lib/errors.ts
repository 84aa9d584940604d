import type { TFunction } from 'i18next';
import { CASE_STATES, type CaseState } from '../../../src/cases/case-state.ts';
import { isApiError } from '../api.ts';

function isCaseState(v: unknown): v is CaseState {
  return typeof v === 'string' && (CASE_STATES as readonly string[]).includes(v);
}

/** One human sentence for a failed call, by the server's stable error code. */
export function describeError(t: TFunction, e: unknown): string {
  if (!isApiError(e)) return t('errors.generic', { code: e instanceof Error ? e.name : 'error' });
  switch (e.code) {
    case 'network':
      return t('errors.network');
    case 'forbidden':
      return t('errors.forbidden');
    case 'not_found':
      return t('errors.not_found');
    case 'key_not_granted':
      return t('errors.key_not_granted');
    case 'conflict':
      return e.message && e.message !== 'conflict'
        ? `${t('errors.conflict')} (${e.message})`
        : t('errors.conflict');
    case 'invalid_transition': {
      const allowed = Array.isArray(e.details?.allowed) ? e.details.allowed.filter(isCaseState) : null;
      const base = t('errors.invalid_transition');
      if (!allowed) return base;
      const list = allowed.length ? allowed.map((s) => t(`status.${s}`)).join(', ') : t('app.none');
      return `${base} ${t('errors.invalid_transition_allowed', { allowed: list })}`;
    }
    case 'sms_not_allowed':
      return t('phone.errors.sms_not_allowed');
    case 'no_operator_phone':
      return t('phone.errors.no_operator_phone');
    case 'no_caller_number':
      return t('phone.errors.no_caller_number');
    case 'validation_failed':
    case 'bad_request':
      return t('errors.validation_failed', { message: e.message });
    case 'password_change_required':
      return t('errors.password_change_required');
    case 'rate_limited':
    case 'too_many_attempts':
      return t('errors.rate_limited');
    case 'unavailable':
      return t('errors.unavailable');
    default:
      return t('errors.generic', { code: e.code });
  }
}
