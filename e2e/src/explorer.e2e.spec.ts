import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster.js';

// The API explorer rendered by a real browser: headless Chromium (Debian's `chromium`, which
// .ci/run installs when missing) driven by playwright-core against the running gateway.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`explorer.e2e: skipped, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

// Flags from this machine's notes: no sandbox as root, and no background networking (the closed
// network refuses it, many connections at a time).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(!haveChromium)('the API explorer at /docs', () => {
  let cluster: Cluster;
  let browser: Browser;

  beforeAll(async () => {
    cluster = await startCluster();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  it('renders every operation of the OpenAPI document, with no script or CSP errors', async () => {
    const document = (await (await fetch(`${cluster.baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const operationIds = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((op) => op.operationId),
    );
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });

    await page.goto(`${cluster.baseUrl}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    const rendered = await page.$$eval('.opblock', (blocks) => blocks.length);
    expect(rendered).toBe(operationIds.length);
    const summaries = await page.$$eval('.opblock-summary-path', (paths) =>
      paths.map((p) => p.getAttribute('data-path')),
    );
    expect(summaries).toContain('/me');
    expect(errors).toEqual([]);
  });

  it('tries an operation out from the page and shows the live response', async () => {
    const page = await browser.newPage();
    await page.goto(`${cluster.baseUrl}/docs`);
    const operation = page.locator('#operations-system-liveness');
    await operation.waitFor({ timeout: 30_000 });
    await operation.locator('.opblock-summary-control').click();
    // tryItOutEnabled: the Execute button shows as soon as the operation is open.
    const execute = operation.locator('button.execute');
    await execute.waitFor({ timeout: 30_000 });
    await execute.click();
    const status = operation.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 30_000 });
    expect((await status.textContent())?.trim()).toBe('200');
    expect(await operation.locator('.live-responses-table .microlight').first().textContent()).toContain(
      '"status": "ok"',
    );
  });
});
