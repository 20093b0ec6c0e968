import { timingSafeEqual } from 'node:crypto';
import type { AtomicScript } from '../../infra/cache/store.ts';

/**
 * The OTP rules as atomic store operations, in Lua for Redis and in
 * TypeScript for the in-process store. Each runs start to end with nothing
 * interleaved, so two concurrent submissions of the right code cannot both win
 * and a wrong guess always counts.
 *
 * Key layout (one hash tag per hospital and purpose, so Redis Cluster keeps
 * the three keys of one script in one slot):
 *   otp:{<hospitalId>:<purpose>}:code      hash { h: hmac hex, left: attempts left }, TTL = code lifetime
 *   otp:{<hospitalId>:<purpose>}:cooldown  exists while a new request must wait
 *   otp:{<hospitalId>:<purpose>}:requests  sorted set of request times (sliding window)
 */
/** `subject`: what one code is for within the purpose (a hold's id: one live code per hold); none = one per hospital. */
export const otpKeys = (hospitalId: string, purpose: string, subject?: string) => {
  const tag = `otp:{${hospitalId}:${purpose}${subject ? `:${subject}` : ''}}`;
  return { code: `${tag}:code`, cooldown: `${tag}:cooldown`, requests: `${tag}:requests` };
};

export type IssueResult = { issued: true } | { issued: false; retryAfterMs: number };

/**
 * KEYS: code, cooldown, requests.
 * ARGV: hash, ttlMs, maxAttempts, intervalMs, windowMs, windowMax, requestId.
 * Refuses while the cooldown runs or when the window is full (answering how
 * long to wait); otherwise records the request and replaces any earlier code.
 */
export const issueScript: AtomicScript<IssueResult> = {
  name: 'tempusOtpIssue',
  idempotent: false,
  lua: `
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local interval = tonumber(ARGV[4])
    local window = tonumber(ARGV[5])
    local max = tonumber(ARGV[6])
    local wait = redis.call('PTTL', KEYS[2])
    if wait > 0 then return {0, wait} end
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
    if redis.call('ZCARD', KEYS[3]) >= max then
      local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
      return {0, math.max(1, tonumber(oldest[2]) + window - now)}
    end
    redis.call('ZADD', KEYS[3], now, ARGV[7])
    redis.call('PEXPIRE', KEYS[3], window)
    if interval > 0 then redis.call('SET', KEYS[2], '1', 'PX', interval) end
    redis.call('DEL', KEYS[1])
    redis.call('HSET', KEYS[1], 'h', ARGV[1], 'left', ARGV[3])
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
    return {1, 0}`,
  memory(kv, [code, cooldown, requests], [hash, ttlMs, maxAttempts, intervalMs, windowMs, windowMax]) {
    const now = kv.now();
    const interval = Number(intervalMs);
    const window = Number(windowMs);
    const wait = kv.pttl(cooldown!);
    if (wait > 0) return [0, wait];
    const times = (JSON.parse(kv.get(requests!) ?? '[]') as number[]).filter((at) => at > now - window);
    if (times.length >= Number(windowMax)) return [0, Math.max(1, times[0]! + window - now)];
    times.push(now);
    kv.set(requests!, JSON.stringify(times), { ttlMs: window });
    if (interval > 0) kv.set(cooldown!, '1', { ttlMs: interval });
    kv.set(code!, JSON.stringify({ h: hash, left: Number(maxAttempts) }), { ttlMs: Number(ttlMs) });
    return [1, 0];
  },
  decode(raw) {
    const [issued, wait] = raw as [number | string, number | string];
    return Number(issued) === 1 ? { issued: true } : { issued: false, retryAfterMs: Number(wait) };
  },
};

export type VerifyResult =
  | { status: 'ok' }
  | { status: 'invalid'; attemptsLeft: number }
  | { status: 'expired' }
  | { status: 'burnt' };

/**
 * KEYS: code. ARGV: hash of the submitted code.
 * Missing = expired, used or never requested. A burnt code refuses even the
 * right digits. The comparison runs over every byte whatever differs (no early
 * exit). The right code deletes the key: single use, and of two concurrent
 * correct submissions the second finds nothing.
 */
export const verifyScript: AtomicScript<VerifyResult> = {
  name: 'tempusOtpVerify',
  idempotent: false,
  lua: `
    local h = redis.call('HGET', KEYS[1], 'h')
    if not h then return {'expired', 0} end
    local left = tonumber(redis.call('HGET', KEYS[1], 'left'))
    if left <= 0 then return {'burnt', 0} end
    local a = ARGV[1]
    local diff = 0
    if #a ~= #h then diff = 1 end
    for i = 1, #h do
      diff = bit.bor(diff, bit.bxor(string.byte(h, i), string.byte(a, i) or 0))
    end
    if diff == 0 then
      redis.call('DEL', KEYS[1])
      return {'ok', 0}
    end
    left = redis.call('HINCRBY', KEYS[1], 'left', -1)
    return {'invalid', left}`,
  memory(kv, [code], [candidate]) {
    const raw = kv.get(code!);
    if (raw === null) return ['expired', 0];
    const record = JSON.parse(raw) as { h: string; left: number };
    if (record.left <= 0) return ['burnt', 0];
    const expected = Buffer.from(record.h, 'utf8');
    const given = Buffer.from(candidate!, 'utf8');
    const same = expected.length === given.length && timingSafeEqual(expected, given);
    if (same) {
      kv.del(code!);
      return ['ok', 0];
    }
    record.left -= 1;
    kv.set(code!, JSON.stringify(record), { keepTtl: true });
    return ['invalid', record.left];
  },
  decode(raw) {
    const [status, left] = raw as [string, number | string];
    if (status === 'ok') return { status: 'ok' };
    if (status === 'invalid') return { status: 'invalid', attemptsLeft: Math.max(0, Number(left)) };
    if (status === 'burnt') return { status: 'burnt' };
    return { status: 'expired' };
  },
};
