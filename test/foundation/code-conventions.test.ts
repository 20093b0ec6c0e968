import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layout rules of ARCHITECTURE.md that a reviewer would otherwise check by
 * hand, read straight from the source files (HTTP conventions are in
 * http-conventions.test.ts).
 */
const src = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import of a file (static, re-export and dynamic), resolved to a path under src/. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specifiers.map((s) => path.relative(src, path.resolve(path.dirname(file), s)).split(path.sep).join('/'));
}

const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
const rel = (file: string) => path.relative(src, file).split(path.sep).join('/');

/**
 * What src/infra/ may import from outside itself: the Config type (adapters
 * read their settings) and the domain error class the token verifier throws
 * (UNAUTHORIZED, mapped to 401 by the one error table). No module, no HTTP
 * layer, no composition root.
 */
const INFRA_MAY_IMPORT = new Set(['config.ts', 'shared/errors.ts']);

describe('code conventions', () => {
  it('infra/ imports nothing outside infra/ but the config type and the error class', () => {
    const infra = sourceFiles(path.join(src, 'infra')).filter((f) => !f.endsWith('.test.ts'));
    expect(infra.length).toBeGreaterThan(20);
    const offending = infra.flatMap((file) =>
      relativeImports(file)
        .filter((target) => !target.startsWith('infra/') && !INFRA_MAY_IMPORT.has(target))
        .map((target) => `${rel(file)} imports ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('no file under src/ is longer than 400 lines', () => {
    const long = sourceFiles(src)
      .map((file) => ({ file: rel(file), lines: lineCount(readFileSync(file, 'utf8')) }))
      .filter((f) => f.lines > 400);
    expect(long).toEqual([]);
  });
});
