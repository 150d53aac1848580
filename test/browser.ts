// The dashboard's tests in a real browser: Debian's Chromium, headless, driven by playwright-core.
// Screenshots go to one temporary directory per test process (printed), each checked not blank.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from './peers.js';

/** What a browser's navigation asks for. */
export const BROWSER_HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
/** Generous: the machine is shared, and pods go through the scheduler and kubelet stages. */
export const WAIT_MS = 30_000;

const artifacts = mkdtempSync(join(tmpdir(), 'tinykube-ui-'));

/** Saves a screenshot and checks it is a picture: a blank page has one or two colours. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  const blank = await page.context().newPage();
  try {
    await keepScreenshot(png, name, (b64) => blank.evaluate(pngColours, b64));
  } finally {
    await blank.close();
  }
}

/**
 * The browser-neutral half of screenshot(), for a browser playwright-core cannot drive (Firefox,
 * through puppeteer-core): saves `png` as an artifact and fails when `count`, which runs
 * pngColours in a page of that browser, finds it blank.
 */
export async function keepScreenshot(png: Uint8Array, name: string, count: (b64: string) => Promise<number>): Promise<void> {
  const file = join(artifacts, `${name}.png`);
  writeFileSync(file, png);
  console.log(`screenshot: ${file}`);
  const colours = await count(Buffer.from(png).toString('base64'));
  assert.ok(colours > 16, `${file} has ${colours} colours: a blank page?`);
}

/** Run in a page (any browser): how many colours a PNG, given as base64, has. Self-contained: it is sent as source. */
export async function pngColours(b64: string): Promise<number> {
  const img = new Image();
  img.src = `data:image/png;base64,${b64}`;
  await img.decode();
  const canvas = new OffscreenCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) return 0;
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i += 4) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  return seen.size;
}

export function launch(): Promise<Browser> {
  // As root (CI), Chromium runs only without its sandbox.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

