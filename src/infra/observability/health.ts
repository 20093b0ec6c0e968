export type CheckStatus = 'up' | 'down' | 'disabled';

export type CheckResult = {
  status: CheckStatus;
  latencyMs?: number;
  error?: string;
} & Record<string, unknown>;

/** One dependency the health endpoint reports on. `critical` ones make /health 503 when down. */
export interface HealthCheck {
  name: string;
  critical: boolean;
  run(): Promise<CheckResult>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function timed(check: HealthCheck): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      check.run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    if (result.status === 'disabled') return result;
    return { ...result, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  checks: Record<string, CheckResult>;
}

/** Runs every check at once; down if a critical one is down, degraded if any other is. */
export async function runHealthChecks(checks: HealthCheck[]): Promise<HealthReport> {
  const results = await Promise.all(checks.map(async (c) => [c, await timed(c)] as const));
  let status: HealthReport['status'] = 'ok';
  for (const [check, result] of results) {
    if (result.status !== 'down') continue;
    if (check.critical) status = 'down';
    else if (status === 'ok') status = 'degraded';
  }
  return { status, checks: Object.fromEntries(results.map(([c, r]) => [c.name, r])) };
}

export const disabledCheck = (name: string, reason: string): HealthCheck => ({
  name,
  critical: false,
  run: async () => ({ status: 'disabled', reason }),
});
