// Draws the installable app's PNG icons (src/web/public/icons/) from src/web/favicon.svg's
// design, offline: the local chromium (playwright-core, as the tests use it) renders each SVG at
// its size and screenshots it. The PNGs are committed; run this only when the design changes:
//   node scripts/icons.mjs
// "any" icons keep the favicon's rounded square; "maskable" ones fill the square with the colour
// and keep the glyph inside the central 80 % circle, so any launcher mask leaves it whole.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const out = fileURLToPath(new URL('../src/web/public/icons/', import.meta.url));
const BLUE = '#2f6feb';
const GLYPH = '<path d="M9 11l6 5-6 5" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/><path d="M17 22h7" stroke="#fff" stroke-width="3" stroke-linecap="round"/>';
const any = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="${BLUE}"/>${GLYPH}</svg>`;
// (the glyph spans 7.5…25.5 × 9.5…23.5: scaled by 0.7 about its centre it fits the safe circle)
const full = (scale) => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="${BLUE}"/><g transform="translate(16.5 16.5) scale(${scale}) translate(-16.5 -16.5)">${GLYPH}</g></svg>`;

const icons = [
  { file: 'icon-192.png', size: 192, svg: any },
  { file: 'icon-512.png', size: 512, svg: any },
  { file: 'maskable-192.png', size: 192, svg: full(0.7) },
  { file: 'maskable-512.png', size: 512, svg: full(0.7) },
  // iOS ignores the manifest's icons and rounds this one itself
  { file: 'apple-touch-icon.png', size: 180, svg: full(0.8) },
];

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CLAUDERON_TEST_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-proxy-server'] });
try {
  for (const { file, size, svg } of icons) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const img = `<img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}" width="${size}" height="${size}" style="display:block">`;
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${img}</body></html>`);
    await page.screenshot({ path: `${out}${file}`, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    await page.close();
    console.log(`${file} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
