/**
 * Which adapters this vitest project runs against (vitest.config.ts sets it):
 * `embedded` always; `services` when CI exports the services' URLs, in which
 * case a missing service is a failure, not a skip.
 */
export type Target = 'embedded' | 'services';
export const target: Target = process.env.TEMPUS_TEST_TARGET === 'services' ? 'services' : 'embedded';
export const onServices = target === 'services';

/** The real services' URLs as CI exports them (only read on the services target). */
export function serviceUrls() {
  const need = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} must be set for the services test target`);
    return value;
  };
  return {
    DATABASE_URL: need('DATABASE_URL'),
    // Running the suites through PgBouncer: DATABASE_URL the pooler, DATABASE_DIRECT_URL the server (docs/operations.md).
    ...(process.env.DATABASE_DIRECT_URL ? { DATABASE_DIRECT_URL: process.env.DATABASE_DIRECT_URL } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...(process.env.RABBITMQ_URL ? { RABBITMQ_URL: process.env.RABBITMQ_URL } : {}),
  };
}
