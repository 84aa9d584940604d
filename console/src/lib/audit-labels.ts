import type { TFunction } from 'i18next';
import { paths } from './router.tsx';

/**
 * The audit log in words (issue #15): event names, subjects and detail fields from the catalogue;
 * a code the catalogue does not know yet is shown as it is rather than hidden.
 */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.webauthn_register',
  'auth.webauthn_remove',
  'backup.create',
  'backup.restore',
  'canned.create',
  'canned.delete',
  'canned.suggest',
  'canned.suggestion_approve',
  'canned.suggestion_reject',
  'canned.update',
  'flood.purge',
  'inquiry.answer',
  'inquiry.create',
  'inquiry.list',
  'inquiry.read',
  'key.grant',
  'keys.rewrap',
  'keys.rotate',
  'knowledge.edit',
  'letter.received',
  'outbox.failed',
  'pow.batch.build',
  'pow.batch.deliver',
  'pow.batch.export',
  'pow.batch.void',
  'pow.card.sent',
  'pow.document',
  'pow.event',
  'pow.record.create',
  'pow.record.origin',
  'pow.record.read',
  'pow.record.update',
  'pow.records.list',
  'pow.welfare',
  'protocol.instructions_sent',
  'protocol.publish',
  'protocol.seed',
  'protocol.step_complete',
  'request.answers',
  'request.attach',
  'request.auto_assign',
  'request.decrypt',
  'request.message_in',
  'request.preview',
  'request.status',
  'retention.inquiries',
  'retention.purge',
  'routing.unlocked',
  'settings.case_timers',
  'settings.intake',
  'settings.organisation',
  'settings.organisation.logo',
  'settings.routing',
  'stats.annotate',
  'stats.annotation_delete',
  'user.create',
  'user.disable',
  'user.enable',
  'user.languages',
  'user.password_change',
  'user.reset_totp',
  'voice.call_answered',
  'voice.callback_call',
  'voice.callback_requested',
  'voice.callback_result',
  'voice.phone_set',
  'voice.prompt_deleted',
  'voice.prompt_uploaded',
  'voice.settings',
  'voice.sms_allowed',
] as const;

/** i18next separates keys with dots: the catalogue spells `pow.batch.build` as `pow_batch_build`. */
const keyOf = (code: string) => code.replaceAll('.', '_');

export function auditActionLabel(t: TFunction, code: string): string {
  return t(`admin.audit.actions.${keyOf(code)}` as 'admin.audit.actions.auth_login', { defaultValue: code });
}

export function auditSubjectLabel(t: TFunction, type: string): string {
  return t(`admin.audit.subjects.${type}` as 'admin.audit.subjects.request', { defaultValue: type });
}

/** "olderThanDays" → "Older than days" when the catalogue has no label for a field. */
function humanize(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function auditFieldLabel(t: TFunction, key: string): string {
  return t(`admin.audit.fields.${key}` as 'admin.audit.fields.language', { defaultValue: humanize(key) });
}

/** Where the console shows an entry's subject, if it has a page. */
export function auditSubjectPath(type: string | null, id: string | null): string | null {
  if (!type || !id) return null;
  switch (type) {
    case 'request':
      return paths.request(id);
    case 'pow_record':
      return paths.record(id);
    case 'relative_inquiry':
      return paths.inquiry(id);
    case 'notification_batch':
      return paths.batches;
    case 'facility':
      return paths.facilities;
    case 'article':
      // "slug.lang"
      return paths.knowledge(id.split('.')[0] ?? id);
    case 'canned_reply':
    case 'canned_suggestion':
      return paths.supervisor;
    default:
      return null;
  }
}
