/// <reference lib="dom" />
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium package (or CHROMIUM_PATH); the browser suites skip without it. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);

/**
 * The flags DEVELOPERS.md names: no sandbox (containers run as root), no GPU,
 * and nothing the browser would fetch by itself (updates, sync, QUIC probes),
 * so the only traffic is the page's.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshots for people to look at after a run (git-ignored). */
export const ARTIFACTS = path.resolve('test-results/browser');

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Every request the page made to another origin than `origin` (must stay empty). */
  offOrigin: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile, one page, and a watch on where the page's requests go. */
export async function openBrowser(origin: string, options: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'tempus-chromium-'));
  // launchPersistentContext passes the profile as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: options.locale ?? 'en-US',
    viewport: options.viewport ?? { width: 1024, height: 768 },
  });
  // Fail a wait with its selector well before the test's own timeout.
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const offOrigin: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('data:') && new URL(url).origin !== origin) offOrigin.push(url);
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    page,
    offOrigin,
    screenshot: async (name) => void (await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Presses Tab until the focused element matches `selector` (at most `limit` times): proves the control is in the tab order. */
export async function tabTo(page: Page, selector: string, limit = 60): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

// In-page checks: these functions run in the browser (type-checked against the DOM library).

/** Whether the focused element shows a focus ring (an outline that is not `none`). */
export const focusVisible = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return false;
    const style = getComputedStyle(el);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  });

/** The focused element's id. */
export const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? null);

/** The page's full width: more than the viewport means horizontal scrolling. */
export const scrollWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

/** Ids of form controls without a label. */
export const unlabelledControls = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll<HTMLInputElement>('input, select, textarea')].filter((el) => !el.labels?.length).map((el) => el.id));
