import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { createLogger } from '../src/infra/observability/logger.ts';

/**
 * The OpenAPI document as the app generates it, without a server: the app is
 * built on the embedded adapters in a throw-away DATA_DIR (no migrations, no
 * listening socket).
 *
 *   npm run openapi -- out.json   write it (stdout without a file)
 *   npm run lint:openapi          Redocly (redocly.yaml: recommended) and
 *                                 Spectral (.spectral.yaml: spectral:oas and
 *                                 the OWASP ruleset); exits 1 on any error
 */
async function generateOpenApiDocument(): Promise<unknown> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tempus-openapi-'));
  try {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, MIGRATE_ON_START: 'false' });
    const deps = await createDeps(config, createLogger(config, 'tempus-openapi'));
    try {
      const app = await buildApp(deps);
      await app.ready();
      const doc = app.swagger();
      await app.close();
      return doc;
    } finally {
      await deps.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const bin = (name: string) => path.join(import.meta.dirname, '..', 'node_modules', '.bin', name);

function lint(file: string): boolean {
  // No telemetry, no update notice: CI has no network beyond the registry.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', SCARF_ANALYTICS: 'false' };
  const runs = [
    { name: 'Redocly (recommended)', args: [bin('redocly'), 'lint', '--format', 'summary', file] },
    { name: 'Spectral (spectral:oas + OWASP)', args: [bin('spectral'), 'lint', '--ruleset', '.spectral.yaml', '--fail-severity', 'error', '--display-only-failures', '--format', 'stylish', file] },
  ];
  let ok = true;
  for (const run of runs) {
    process.stdout.write(`\n== ${run.name}\n`);
    const result = spawnSync(run.args[0]!, run.args.slice(1), { stdio: 'inherit', env, cwd: path.join(import.meta.dirname, '..') });
    if (result.status !== 0) {
      ok = false;
      process.stdout.write(`${run.name} failed (exit ${result.status ?? result.signal})\n`);
    }
  }
  return ok;
}

{
  const doc = `${JSON.stringify(await generateOpenApiDocument(), null, 2)}\n`;
  const [arg] = process.argv.slice(2);
  if (arg === '--lint') {
    const dir = mkdtempSync(path.join(tmpdir(), 'tempus-openapi-lint-'));
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, doc);
    const ok = lint(file);
    rmSync(dir, { recursive: true, force: true });
    process.exit(ok ? 0 : 1);
  } else if (arg) {
    writeFileSync(arg, doc);
  } else {
    process.stdout.write(doc);
  }
}
