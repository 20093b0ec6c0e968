/**
 * Domain errors: services throw these with a machine code; the HTTP layer maps
 * codes to statuses in one table (src/http/error-handler.ts). Services never
 * know about HTTP.
 */
export const errorStatus = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  SUBSCRIPTION_INACTIVE: 402,
  FORBIDDEN: 403,
  PLAN_LIMIT_REACHED: 403,
  INVITATION_EMAIL_MISMATCH: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  HOSPITAL_EXISTS: 409,
  SUBDOMAIN_TAKEN: 409,
  SLOT_UNAVAILABLE: 409,
  PATIENT_BUSY: 409,
  INVALID_TRANSITION: 409,
  INVITATION_USED: 409,
  ALREADY_MEMBER: 409,
  LAST_OWNER: 409,
  PLAN_CODE_TAKEN: 409,
  DOCTOR_EMAIL_TAKEN: 409,
  APPOINTMENT_CANCELLED: 409,
  VISIT_NOTE_EXISTS: 409,
  SERIES_CONFLICT: 409,
  RESOURCE_UNAVAILABLE: 409,
  PATIENT_ERASED: 409,
  HOLD_CONFIRMED: 409,
  INVITATION_EXPIRED: 410,
  INVITATION_REVOKED: 410,
  HOLD_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  OUTSIDE_SCHEDULE: 422,
  OUTSIDE_BOOKING_WINDOW: 422,
  DOCTOR_INACTIVE: 422,
  VISIT_TYPE_INACTIVE: 422,
  VISIT_TYPE_NOT_OFFERED: 422,
  RESOURCE_INACTIVE: 422,
  RESOURCE_KIND_MISMATCH: 422,
  IN_THE_PAST: 422,
  // A patient's change through a manage link closer to the start than the hospital's cancellationNoticeMinutes.
  TOO_LATE_TO_CHANGE: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  // A wrong or stale one-time code is a mistake in the request, not a bad
  // bearer token: never 401, on which clients sign the user out (SPEC section 2).
  OTP_INVALID: 422,
  OTP_EXPIRED: 422,
  OTP_ATTEMPTS_EXCEEDED: 422,
  OTP_REQUIRED: 428,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (entity: string) => new DomainError('NOT_FOUND', `${entity} not found`);
export const forbidden = (message = 'You do not have permission to do this') => new DomainError('FORBIDDEN', message);
export const unauthorized = (message = 'A valid bearer token is required') => new DomainError('UNAUTHORIZED', message);
export const validation = (message: string, details?: Record<string, unknown>) =>
  new DomainError('VALIDATION_ERROR', message, details);
