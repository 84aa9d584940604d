/**
 * Every error a client can see has a stable code. The code is the contract (clients and tests match on
 * it); the message is for humans and is localised for public pages.
 */
export const AppErrorCode = {
  validation_failed: 400,
  bad_request: 400,
  invalid_form_token: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 401,
  invalid_credentials: 401,
  totp_required: 401,
  /** Right password, but this TOTP code already logged in: wait for the next one (decision 0013). */
  totp_reused: 401,
  session_expired: 401,
  csrf_failed: 403,
  invalid_signature: 403,
  forbidden: 403,
  password_change_required: 403,
  key_not_granted: 403,
  not_found: 404,
  receipt_not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  answers_missing: 409,
  callback_not_requested: 409,
  sms_not_allowed: 409,
  no_operator_phone: 409,
  no_caller_number: 409,
  rate_limited: 429,
  too_many_attempts: 429,
  unavailable: 503,
  /** The routing key is not in this process's memory yet (after a restart, before a granted login). */
  locked: 503,
  internal: 500,
} as const;

export type AppErrorCode = keyof typeof AppErrorCode;

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: AppErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? code);
    this.name = 'AppError';
    this.code = code;
    this.status = AppErrorCode[code];
    this.details = details;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
