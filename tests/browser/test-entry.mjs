// Browser test of the ways into a call besides a link from the store's
// backend: an invite that staff make in the console (copied or shown as a QR
// code), and the walk-in page /s/STORE of a printed QR code. The real
// `vitrine serve` with a vitrine.conf of three stores, headless Chromium.
//
// An invite carries the store's name onto the customer page, works for one
// visit and is refused after it; staff of another store cannot make one. The
// walk-in page queues a customer (who lands on the customer page, already in
// line), says when a store is closed or takes no walk-ins, and refuses past
// its rate limit.
//
// Run: VT_BINARY=build/vitrine node --test tests/browser/test-entry.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { BINARY, CHROMIUM, CHROMIUM_ARGS, STEP_MS, Server, peekClaims, screenshot, watchPage } from './support.mjs';

const TEST_MS = 240_000;
const problems = [];

const watch = (page, label) => watchPage(page, label, problems);

// Opening hours that exclude the present moment: a one-minute window twelve
// hours away, on every day.
function closedHours() {
  const at = new Date(Date.now() + 12 * 3600 * 1000);
  const hh = String(at.getHours()).padStart(2, '0');
  const mm = at.getMinutes() >= 58 ? 0 : at.getMinutes();
  const start = `${hh}:${String(mm).padStart(2, '0')}`;
  const end = `${hh}:${String(mm + 1).padStart(2, '0')}`;
  return `mon-sun ${start}-${end}`;
}

let dataDir;
let server;
let browser;
let phone;
let desk;

before(async () => {
  assert.ok(BINARY, 'VT_BINARY must name the vitrine binary');
  dataDir = await mkdtemp(join(tmpdir(), 'vt-entry-'));
  const config = join(dataDir, 'vitrine.conf');
  await writeFile(
    config,
    [
      '[limits]',
      'walk-ins-per-hour=2',
      '',
      '[store shop]',
      'name=Corner Phones',
      'accent=#0f766e',
      'walk-in=on',
      '',
      '[store night]',
      'name=Night Owl Repairs',
      'walk-in=on',
      `opening-hours=${closedHours()}`,
      '',
      '[store quiet]',
      'name=Quiet Store',
      '',
    ].join('\n'),
  );
  server = await new Server(join(dataDir, 'data'), [`--config=${config}`]).start();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  phone = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
  });
  desk = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await browser?.close();
  const result = await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (result) assert.deepEqual(result, { code: 0, signal: null }, server.log);
});

async function openStaff(store, name) {
  const page = watch(await desk.newPage(), `staff ${name}`);
  await page.goto(`${server.origin}/staff.html#token=${await server.token(store, 'staff', name)}`);
  await page.locator('#status[data-state="connected"]').waitFor();
  return page;
}

test('an invite from the console works for one visit', { timeout: TEST_MS }, async () => {
  const staff = await openStaff('shop', 'Sam');
  await staff.getByLabel('Name (optional)').fill('Dana');
  await staff.getByLabel('Link works for').selectOption({ label: '1 hour' });
  const before = Date.now();
  await staff.getByRole('button', { name: 'Create link' }).click();
  // The link shows once the server has minted it (slower under ASan).
  await staff.locator('#invite-result').waitFor();
  const url = await staff.getByLabel('Customer link').inputValue();
  assert.match(url, /\/customer\.html#token=/);
  const claims = peekClaims(decodeURIComponent(url.split('#token=')[1]));
  assert.equal(claims.store, 'shop');
  assert.equal(claims.role, 'customer');
  assert.equal(claims.name, 'Dana');
  assert.ok(!claims.room, 'an invite queues in the lobby');
  // It expires when chosen: an hour from now.
  assert.ok(Math.abs(claims.exp * 1000 - (before + 3600_000)) < 60_000, JSON.stringify(claims));
  await staff.getByRole('button', { name: 'Show QR code' }).click();
  await staff.getByRole('img', { name: 'QR code of the customer link' }).waitFor();
  await screenshot(staff, 'staff-invite');

  // The link is for the server's public address; here that is the test's own.
  const link = `${server.origin}/customer.html#token=${url.split('#token=')[1]}`;
  const customer = watch(await phone.newPage(), 'invited');
  await customer.goto(link);
  await customer.getByRole('heading', { name: 'Hello, Dana!' }).waitFor();
  // The store's name, not Vitrine's, is at the top.
  await customer.locator('#brand', { hasText: 'Corner Phones' }).waitFor();
  await customer.getByRole('radio', { name: /After-sales/ }).check();
  await customer.getByRole('button', { name: 'Talk to the store' }).click();
  await customer.getByText('You are number 1 in line').waitFor();

  // A reload while waiting is the same visit.
  await customer.reload();
  await customer.getByText(/You are number 1 in line/).waitFor();
  const item = staff.locator('.lobby-item', { hasText: 'Dana' });
  await item.getByRole('button', { name: /Accept/ }).click();
  await customer.locator('#view-room').waitFor();
  await customer.getByRole('button', { name: 'Leave' }).click();
  await customer.getByRole('heading', { name: 'You left the call' }).waitFor();

  // The visit is over: the same link is refused on its first screen.
  const again = watch(await phone.newPage(), 'invite again');
  await again.goto(link);
  await again.getByText('This link has already been used').waitFor();
  assert.equal(await again.getByRole('radio').count(), 0);
  await Promise.all([customer.close(), again.close(), staff.close()]);
});

test('staff cannot invite for another store', { timeout: TEST_MS }, async () => {
  const staffToken = await server.token('shop', 'staff', 'Sam');
  const other = await desk.request.post(`${server.origin}/api/invites`, {
    data: { token: staffToken, ttl: 3600, store: 'quiet' },
  });
  assert.equal(other.status(), 403);
  assert.equal((await other.json()).code, 'wrong_store');
  const customerToken = await server.token('shop', 'customer', 'Cy');
  const byCustomer = await desk.request.post(`${server.origin}/api/invites`, {
    data: { token: customerToken, ttl: 3600 },
  });
  assert.equal(byCustomer.status(), 403);
});

test('the walk-in page queues a customer, and says when it cannot', { timeout: TEST_MS }, async () => {
  const staff = await openStaff('shop', 'Wes');
  const page = watch(await phone.newPage(), 'walk-in');
  await page.goto(`${server.origin}/s/shop`);
  await page.getByRole('heading', { name: 'Talk to Corner Phones on video' }).waitFor();
  await screenshot(page, 'walk-in');
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `the walk-in page is ${scroll}px wide in ${client}px`);
  // Name and topic are asked for.
  await page.getByRole('button', { name: 'Join the line' }).click();
  await page.getByText('Please tell us your name.').waitFor();
  await page.getByLabel('Your name').fill('Walker');
  await page.getByRole('radio', { name: /Sizing/ }).check();
  await page.getByRole('button', { name: 'Join the line' }).click();
  // On the customer page, in line at once, with the camera's preview.
  await page.getByText('You are number 1 in line').waitFor();
  assert.match(page.url(), /\/customer\.html#token=/);
  await page.locator('#preview-box').waitFor();
  await staff.locator('.lobby-item', { hasText: 'Walker' }).waitFor();
  assert.match(await staff.locator('.lobby-item', { hasText: 'Walker' }).textContent(), /Sizing/);
  await page.close();

  // The rate limit is two an hour from one address: the third is refused.
  const second = watch(await phone.newPage(), 'walk-in 2');
  await second.goto(`${server.origin}/s/shop`);
  await second.getByLabel('Your name').fill('Second');
  await second.getByRole('radio', { name: /Other/ }).check();
  await second.getByRole('button', { name: 'Join the line' }).click();
  await second.getByText(/number \d in line/).waitFor();
  await second.close();
  const third = watch(await phone.newPage(), 'walk-in 3');
  await third.goto(`${server.origin}/s/shop`);
  await third.getByLabel('Your name').fill('Third');
  await third.getByRole('radio', { name: /Other/ }).check();
  await third.getByRole('button', { name: 'Join the line' }).click();
  await third.getByText('Too many tries from this network').waitFor();
  assert.match(third.url(), /\/s\/shop$/);

  // A closed store, and one without walk-ins.
  await third.goto(`${server.origin}/s/night`);
  await third.getByText('The store is closed now.').waitFor();
  assert.match(await third.locator('#closed-hours').textContent(), /Opening hours:/);
  await screenshot(third, 'walk-in-closed');
  await third.goto(`${server.origin}/s/quiet`);
  await third.getByText('doesn’t take walk-in video calls').waitFor();
  await Promise.all([third.close(), staff.close()]);
});

test('no page error and no Content-Security-Policy violation', () => {
  assert.deepEqual(problems, []);
});
