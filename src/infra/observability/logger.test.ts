import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl, scrubContacts } from './logger.ts';

describe('redactUrl', () => {
  it('keeps the route, ids and plain parameters; blanks other query values and token-like segments', () => {
    expect(redactUrl('/v1/patients?search=maria%40mail.example&limit=5&cursor=eyJrIjoiTWFyaWEifQ')).toBe('/v1/patients?search=[redacted]&limit=5&cursor=[redacted]');
    expect(redactUrl('/v1/patients/5f0c3a8e-2b1d-4c6f-9e7a-1d2c3b4a5f60/access-log')).toBe('/v1/patients/5f0c3a8e-2b1d-4c6f-9e7a-1d2c3b4a5f60/access-log');
    expect(redactUrl('/v1/calendars/Q2hhbmdlIHRoaXMgdG9rZW4gMTIzNDU2Nzg5MA.ics')).toBe('/v1/calendars/[redacted]');
    expect(redactUrl('/v1/public/hospitals/saint-marys-hospital-london/doctors')).toBe('/v1/public/hospitals/saint-marys-hospital-london/doctors');
    expect(redactUrl('/v1/appointments?status=scheduled&from=2026-03-01&patientId=5f0c3a8e-2b1d-4c6f-9e7a-1d2c3b4a5f60')).toBe(
      '/v1/appointments?status=scheduled&from=2026-03-01&patientId=[redacted]',
    );
  });

  it('blanks signed links (manage, offers) whatever their shape, keeping the action after them', () => {
    const token = 'eyJ4IjoxNzk2MjIxNzEzLCJkIjp7fX0.q1w2e3r4t5y6u7i8o9p0aA';
    expect(redactUrl(`/manage/${token}`)).toBe('/manage/[redacted]');
    expect(redactUrl(`/offers/${token}`)).toBe('/offers/[redacted]');
    expect(redactUrl(`/v1/public/manage/${token}/reschedule`)).toBe('/v1/public/manage/[redacted]/reschedule');
    expect(redactUrl(`/v1/public/manage/${token}/availability?from=2026-03-01&to=2026-03-07`)).toBe('/v1/public/manage/[redacted]/availability?from=2026-03-01&to=2026-03-07');
    expect(redactUrl(`/v1/public/offers/${token}/accept`)).toBe('/v1/public/offers/[redacted]/accept');
  });
});

describe('scrubContacts', () => {
  it('replaces email addresses and E.164 numbers in free text', () => {
    expect(scrubContacts('550 5.1.1 <maria.rossi@mail.example>: Recipient address rejected')).toBe('550 5.1.1 <[email]>: Recipient address rejected');
    expect(scrubContacts('The number +393471234567 is not reachable; code 21211')).toBe('The number [phone] is not reachable; code 21211');
  });
});

describe('the request serializer', () => {
  it('scrubs contact data out of the URL of a request that is not a plain object (as Fastify passes it)', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ env: { LOG_LEVEL: 'info' } } as never, 'test', sink);
    class Request {
      method = 'GET';
      url = '/v1/lookup/maria.rossi@mail.example?from=+393471234567&search=x';
    }
    logger.info({ req: new Request() }, 'request completed');
    const line = JSON.parse(lines[0]!) as { req: { url: string } };
    expect(line.req.url).toBe('/v1/lookup/[email]?from=[phone]&search=[redacted]');
  });
});

describe('the stdout destination', () => {
  // Lines wait in memory (LOG_SYNC=false): a process that dies of an uncaught
  // exception, with no graceful path, must still write every one of them.
  it('writes every waiting line when the process dies of an uncaught exception', () => {
    const script = `
      import { createLogger } from './src/infra/observability/logger.ts';
      const logger = createLogger({ env: { LOG_LEVEL: 'info', LOG_SYNC: false, LOG_BUFFER_BYTES: 16000, LOG_FLUSH_INTERVAL_MS: 10000 } });
      for (let i = 0; i < 500; i++) logger.info({ i }, 'line');
      setImmediate(() => { throw new Error('boom'); });
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain('boom');
    const lines = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as { i: number });
    expect(lines.map((l) => l.i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});
