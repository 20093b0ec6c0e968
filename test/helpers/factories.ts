import { randomBytes } from 'node:crypto';
import type { TestApp } from './app.ts';

export const uniqueSubdomain = (prefix = 'h') => `${prefix}-${randomBytes(6).toString('hex')}`;
export const uniqueEmail = (prefix = 'user') => `${prefix}-${randomBytes(6).toString('hex')}@example.test`;

export interface RegisteredHospital {
  id: string;
  subdomain: string;
  email: string;
  timezone: string;
  ownerEmail: string;
  ownerToken: string;
  auth: { authorization: string };
}

/** A new hospital with a new owner, through the public API: no shared fixtures, no truncation. */
export async function registerHospital(
  t: TestApp,
  overrides: Partial<{ name: string; subdomain: string; email: string; timezone: string; phone: string; address: string }> = {},
): Promise<RegisteredHospital> {
  const ownerEmail = uniqueEmail('owner');
  const ownerToken = await t.tokenFor(ownerEmail);
  const body = {
    name: 'Test Clinic',
    subdomain: uniqueSubdomain(),
    email: uniqueEmail('clinic'),
    timezone: 'Europe/Berlin',
    ...overrides,
  };
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/hospitals',
    headers: { authorization: `Bearer ${ownerToken}` },
    payload: body,
  });
  if (res.statusCode !== 201) throw new Error(`registerHospital failed: ${res.statusCode} ${res.body}`);
  const hospital = res.json().data as { id: string; subdomain: string; email: string; timezone: string };
  return { ...hospital, ownerEmail, ownerToken, auth: { authorization: `Bearer ${ownerToken}` } };
}
