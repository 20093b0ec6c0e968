// The public API, same origin. Errors come back as ApiError with the envelope's code and sentence.
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details ?? {};
  }
}

export async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', '');
  }
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, json.code ?? 'UNKNOWN', json.error ?? res.statusText, json.details);
  return json;
}

/** Every page of a list route (the public lists are small: a hospital's doctors and visit types). */
export async function all(path) {
  const items = [];
  let cursor = null;
  do {
    const res = await api('GET', `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...res.data);
    cursor = res.page?.nextCursor ?? null;
  } while (cursor && items.length < 1000);
  return items;
}

/** "Too late to change online, please call the hospital at <its phone>" (without the number when the hospital has none). */
export const tooLateText = (t, hospital) => t('errTooLate', { phone: hospital?.phone ? t('callPhone', { phone: hospital.phone }) : '' });

/** An API error in the visitor's words: the known codes explained, any other with the envelope's own sentence. */
export function errorText(err, t, hospital) {
  if (!(err instanceof ApiError)) return t('errGeneric', { message: String(err?.message ?? err) });
  switch (err.code) {
    case 'NETWORK':
      return t('errNetwork');
    case 'SLOT_UNAVAILABLE':
    case 'RESOURCE_UNAVAILABLE':
    case 'OUTSIDE_SCHEDULE':
    case 'OUTSIDE_BOOKING_WINDOW':
    case 'IN_THE_PAST':
      return t('errSlotTaken');
    case 'OTP_INVALID':
      return t('errCodeWrong');
    case 'OTP_EXPIRED':
    case 'OTP_ATTEMPTS_EXCEEDED':
      return t('errCodeBurned');
    case 'HOLD_EXPIRED':
      return t('errHoldExpired');
    case 'TOO_LATE_TO_CHANGE':
      return tooLateText(t, hospital);
    case 'RATE_LIMITED':
      return t('errRateLimited', { seconds: err.details.retryAfterSeconds ?? 60 });
    default:
      return t('errGeneric', { message: err.message });
  }
}
