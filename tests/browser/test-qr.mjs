// Test of the QR encoder (web/js/qr.js) against a real decoder: headless
// Chromium renders each code as the page would (an <svg> from qrSvg, under a
// Content-Security-Policy without inline styles), the test screenshots it,
// and zbarimg (Debian's zbar-tools, listed in scripts/deps.txt) must read the
// same text back. Covers every version 1–40 filled to capacity, each error
// correction level, the ~350-byte invite link, non-ASCII UTF-8, and both
// sides of capacity boundaries. No server: the page and the module are served
// from disk with page.route.
//
// Run: node --test tests/browser/test-qr.mjs (ctest: `ctest -R browser-qr`).
// With VT_SCREENSHOT_DIR set, the PNGs are kept in its qr/ folder.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from './support.mjs';
import { qrMatrix } from '../../web/js/qr.js';

const run = promisify(execFile);
const QR_JS = new URL('../../web/js/qr.js', import.meta.url);
const ORIGIN = 'http://vitrine.test';
const SCREENSHOTS = process.env.VT_SCREENSHOT_DIR;
// Screen pixels per module: enough for zbar at version 40 (185 × 4 = 740 px).
const PIXELS_PER_MODULE = 4;
const LEVELS = ['L', 'M', 'Q', 'H'];

// Byte-mode capacities from the standard's table (ISO/IEC 18004 Table 7),
// for versions 1–40 (index 0–39), each [L, M, Q, H]: an independent check of
// qr.js's own block tables.
const SPEC_CAPACITY = [
  [17, 14, 11, 7], [32, 26, 20, 14], [53, 42, 32, 24], // 1–3
  [78, 62, 46, 34], [106, 84, 60, 44], [134, 106, 74, 58], // 4–6
  [154, 122, 86, 64], [192, 152, 108, 84], [230, 180, 130, 98], // 7–9
  [271, 213, 151, 119], [321, 251, 177, 137], [367, 287, 203, 155], // 10–12
  [425, 331, 241, 177], [458, 362, 258, 194], [520, 412, 292, 220], // 13–15
  [586, 450, 322, 250], [644, 504, 364, 280], [718, 560, 394, 310], // 16–18
  [792, 624, 442, 338], [858, 666, 482, 382], [929, 711, 509, 403], // 19–21
  [1003, 779, 565, 439], [1091, 857, 611, 461], [1171, 911, 661, 511], // 22–24
  [1273, 997, 715, 535], [1367, 1059, 751, 593], [1465, 1125, 805, 625], // 25–27
  [1528, 1190, 868, 658], [1628, 1264, 908, 698], [1732, 1370, 982, 742], // 28–30
  [1840, 1452, 1030, 790], [1952, 1538, 1112, 842], [2068, 1628, 1168, 898], // 31–33
  [2188, 1722, 1228, 958], [2303, 1809, 1283, 983], [2431, 1911, 1351, 1051], // 34–36
  [2563, 1989, 1423, 1093], [2699, 2099, 1499, 1139], [2809, 2213, 1579, 1219], // 37–39
  [2953, 2331, 1663, 1273], // 40
];

// ---- texts ----

/** A printable-ASCII text of `length` bytes, the same for the same seed. */
function asciiText(length, seed) {
  const chars =
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&()*+,;=% ';
  let state = seed * 2654435761 + 1;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += chars[state % chars.length];
  }
  return out;
}

/** An invite link as staff hand out: a JWT of about 300 characters. */
function inviteLink() {
  const b64url = (s) => Buffer.from(s).toString('base64url');
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = b64url(
    JSON.stringify({
      iss: 'vitrine',
      sub: 'c-7f3a9d2e-41b8-4c6f-9e07-5d2b8a1c3f60',
      role: 'customer',
      store: 'paris-rivoli',
      name: 'Camille Durand',
      iat: 1767225600,
      exp: 1767312000,
    }),
  );
  const signature = 'Vb9n3kQp1XzR7tYw0LmS5eHc2uJf8gAo4iDq6sNy-Bk';
  return `https://shop.example.com/customer.html#token=${header}.${claims}.${signature}`;
}

// ---- zbarimg ----

/** Fails plainly when the decoder is missing, rather than on every case. */
async function requireZbarimg() {
  try {
    await run('zbarimg', ['--version']);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    throw new Error(
      'zbarimg is not installed: apt-get install zbar-tools (scripts/deps.txt lists it)',
    );
  }
}

/** The texts zbarimg reads in a PNG (QR codes only), one per symbol found. */
async function decode(png) {
  try {
    const args = ['-q', '--nodbus', '--raw', '-Sdisable', '-Sqrcode.enable', png];
    const { stdout } = await run('zbarimg', args, { encoding: 'utf8' });
    return [stdout.replace(/\n$/, '')];
  } catch (error) {
    if (error.code === 4) return []; // zbarimg's status for "no symbol found"
    throw error;
  }
}

// ---- the page ----

// The page's script: renders one code at a time and records CSP violations.
const PAGE_JS = `
import { qrSvg } from './js/qr.js';
window.violations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
window.renderQr = (text, options, pixelsPerModule) => {
  const svg = qrSvg(text, options);
  const units = svg.viewBox.baseVal.width;
  svg.setAttribute('width', units * pixelsPerModule);
  svg.setAttribute('height', units * pixelsPerModule);
  document.body.replaceChildren(svg);
  return {
    units,
    role: svg.getAttribute('role'),
    label: svg.getAttribute('aria-label'),
    paths: svg.querySelectorAll('path').length,
    styled: svg.querySelectorAll('[style]').length + (svg.hasAttribute('style') ? 1 : 0),
  };
};
window.qrReady = true;
`;

const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>QR</title>
<script type="module" src="/page.js"></script></head><body></body></html>`;

// As strict as the app's pages: no inline styles or scripts at all.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'";

async function serve(route) {
  const path = new URL(route.request().url()).pathname;
  const files = {
    '/': ['text/html', PAGE_HTML],
    '/page.js': ['text/javascript', PAGE_JS],
    '/js/qr.js': ['text/javascript', await readFile(QR_JS, 'utf8')],
  };
  if (!files[path]) return route.fulfill({ status: 404, body: 'not found' });
  const [contentType, body] = files[path];
  return route.fulfill({
    status: 200,
    headers: { 'content-type': `${contentType}; charset=utf-8`, 'content-security-policy': CSP },
    body,
  });
}

let browser;
let page;
let workDir;
const pageErrors = [];

before(async () => {
  await requireZbarimg();
  workDir = SCREENSHOTS ? join(SCREENSHOTS, 'qr') : await mkdtemp(join(tmpdir(), 'vt-qr-'));
  await mkdir(workDir, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const context = await browser.newContext({
    viewport: { width: 1000, height: 1000 },
    deviceScaleFactor: 1,
  });
  // Nothing leaves the machine: every request is answered here.
  await context.route('**/*', serve);
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => window.qrReady === true);
});

after(async () => {
  await browser?.close();
  if (workDir && !SCREENSHOTS) await rm(workDir, { recursive: true, force: true });
});

let shots = 0;

/** Renders `text` in the page, screenshots the <svg>, and decodes the PNG. */
async function renderAndDecode(text, ecc, label = 'QR code') {
  const info = await page.evaluate(
    ([t, options, ppm]) => window.renderQr(t, options, ppm),
    [text, { ecc, label }, PIXELS_PER_MODULE],
  );
  const png = join(workDir, `qr-${String(++shots).padStart(3, '0')}-${ecc}.png`);
  // A clip of the page is quicker than an element screenshot, which first
  // waits for the element to be stable.
  const clip = await page.locator('svg').boundingBox();
  await writeFile(png, await page.screenshot({ clip }));
  return { info, png, decoded: await decode(png) };
}

async function assertRoundTrip(text, ecc, expectedVersion) {
  const { version } = qrMatrix(text, { ecc });
  if (expectedVersion) {
    assert.equal(version, expectedVersion, `version for ${text.length} bytes at ${ecc}`);
  }
  const { decoded, png } = await renderAndDecode(text, ecc);
  assert.deepEqual(decoded, [text], `version ${version}-${ecc}, ${png}`);
  return version;
}

// ---- the encoder alone (no browser) ----

test('byte capacities match the standard, and one byte more takes the next version', () => {
  SPEC_CAPACITY.forEach((capacities, index) => {
    const version = index + 1;
    LEVELS.forEach((ecc, i) => {
      const full = 'a'.repeat(capacities[i]);
      assert.equal(qrMatrix(full, { ecc }).version, version, `${version}-${ecc} full`);
      if (version === 40) return;
      assert.equal(qrMatrix(full + 'a', { ecc }).version, version + 1, `${version}-${ecc} + 1`);
    });
  });
});

test('too long a text throws a clear error', () => {
  LEVELS.forEach((ecc, i) => {
    const limit = SPEC_CAPACITY[39][i];
    assert.throws(
      () => qrMatrix('a'.repeat(limit + 1), { ecc }),
      new RegExp(
        `too long for a QR code: ${limit + 1} bytes, ` +
          `at most ${limit} at error correction level ${ecc}`,
      ),
    );
  });
  // Counted in UTF-8 bytes, not characters: 1000 × 3 bytes.
  assert.throws(() => qrMatrix('東'.repeat(1000), { ecc: 'H' }), /3000 bytes/);
  assert.throws(() => qrMatrix('x', { ecc: 'X' }), /must be L, M, Q or H/);
});

test('version information matches the standard (Annex D)', () => {
  // Version 7 is 0x07C94 and version 33 0x216F0; bits 0–17 run down the
  // columns of the 6×3 block above the bottom-left finder.
  for (const [bytes, version, expected] of [[154, 7, 0x07c94], [2000, 33, 0x216f0]]) {
    const { size, modules, version: got } = qrMatrix('a'.repeat(bytes), { ecc: 'L' });
    assert.equal(got, version);
    let bits = 0;
    for (let i = 0; i < 18; i++) {
      if (modules[size - 11 + (i % 3)][Math.floor(i / 3)]) bits |= 1 << i;
    }
    assert.equal(bits, expected, `version ${version}`);
  }
});

test('the matrix is square, version 1 at 21 modules, version 40 at 177', () => {
  const small = qrMatrix('hi');
  assert.equal(small.size, 21);
  assert.equal(small.modules.length, 21);
  const booleans = (row) => row.length === 21 && row.every((m) => typeof m === 'boolean');
  assert.ok(small.modules.every(booleans));
  assert.equal(qrMatrix('a'.repeat(2953), { ecc: 'L' }).size, 177);
});

// ---- decoded by zbarimg ----

test('the svg: one path, role img, the label, no style attribute', async () => {
  const { info, decoded } = await renderAndDecode('Hello', 'M', 'Scan to join the call');
  assert.deepEqual(
    info,
    { role: 'img', label: 'Scan to join the call', paths: 1, styled: 0, units: 21 + 8 },
  );
  assert.deepEqual(decoded, ['Hello']);
});

test('short ASCII at every error correction level', async () => {
  for (const ecc of LEVELS) await assertRoundTrip('Hello, Vitrine!', ecc);
});

test('a ~350-byte invite link with a JWT, at every level (M is what staff show)', async () => {
  const link = inviteLink();
  assert.ok(link.length >= 340 && link.length <= 370, `link is ${link.length} bytes`);
  const versions = {};
  for (const ecc of LEVELS) versions[ecc] = await assertRoundTrip(link, ecc);
  // Up to 362 bytes at M is version 14 (73×73 modules): at 81 units with the
  // quiet zone, a 300-pixel-wide code still has over 3 pixels per module.
  assert.equal(versions.M, 14);
});

test('UTF-8 text with non-ASCII characters', async () => {
  const text = 'Grüße aus Köln — ça va? Ελληνικά, 東京の店 🛍️';
  for (const ecc of ['M', 'Q']) await assertRoundTrip(text, ecc);
});

test('every version 1–40 filled to capacity, levels in turn', async () => {
  // The longest text each version holds: every block layout, alignment
  // pattern layout and version information gets decoded once.
  for (let version = 1; version <= 40; version++) {
    const level = version % 4;
    const bytes = SPEC_CAPACITY[version - 1][level];
    await assertRoundTrip(asciiText(bytes, version), LEVELS[level], version);
  }
});

test('both sides of capacity boundaries decode', async () => {
  // Version 9 → 10 is also where the count grows from 8 to 16 bits.
  for (const [version, ecc] of [[1, 'L'], [1, 'H'], [2, 'H'], [9, 'M'], [9, 'Q'], [26, 'L']]) {
    const bytes = SPEC_CAPACITY[version - 1][LEVELS.indexOf(ecc)];
    await assertRoundTrip(asciiText(bytes, version), ecc, version);
    await assertRoundTrip(asciiText(bytes + 1, version), ecc, version + 1);
  }
});

test('no page error and no Content-Security-Policy violation', async () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(await page.evaluate(() => window.violations), []);
});
