/**
 * What an operator notification can be about (the `kind` column). No imports: the console reads it
 * and has words for each kind; the writers check their kind against it.
 */
export const NOTIFICATION_KINDS = [
  'meeting_window_soon',
  'moved_unreachable',
  'front_date_passed',
  'request_returned',
  'inquiry_answered',
  'delivery_failed',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
