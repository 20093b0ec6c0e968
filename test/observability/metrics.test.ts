import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { registerHospital } from '../helpers/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { METRICS_TOKEN: 'scrape-token-0123456789' } });
});
afterAll(async () => {
  await t.close();
});

describe('GET /metrics', () => {
  it('needs the configured bearer token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
  });

  it('labels request durations by route pattern, never by raw URL', async () => {
    const h = await registerHospital(t);
    await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}` });
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('tempus_http_request_duration_seconds_bucket');
    expect(res.body).toContain('route="/v1/public/hospitals/:subdomain"');
    expect(res.body).not.toContain(h.subdomain);
    expect(res.body).toMatch(/route="\/v1\/hospitals",status="201"/);
  });
});

describe('metrics catalogue', () => {
  it('exports every family operations alerts on', async () => {
    await t.app.inject({ method: 'GET', url: '/v1/plans' });
    const body = (await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } })).body;
    for (const family of [
      'tempus_http_request_duration_seconds',
      'tempus_cache_requests_total',
      'tempus_redis_circuit_state',
      'tempus_outbox_backlog',
      'tempus_outbox_lag_seconds',
      'tempus_rate_limit_rejections_total',
      'tempus_messages_total',
      'tempus_notifications_sent_total',
      'tempus_db_query_duration_seconds',
      'tempus_process_cpu_user_seconds_total',
    ]) {
      expect(body, family).toContain(`# TYPE ${family}`);
    }
  });
});
