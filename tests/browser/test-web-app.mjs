// Browser test of the web app (web/): the real `vitrine serve` on loopback,
// headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
//
// One customer page (phone-sized) and two staff consoles (two stores) go
// through a call: the customer picks a topic and waits, staff of the same
// store see them (staff of the other store never do), accept, chat both ways,
// and end the call. A second call lives through a server restart: both pages
// reconnect by themselves, a message typed while the server was down is
// delivered once, and chat history is not repeated; then staff remove the
// customer.
//
// Run: VT_BINARY=build/vitrine node --test tests/browser/test-web-app.mjs
// (ctest does this: `ctest -R browser`). With VT_SCREENSHOT_DIR set, it saves
// screenshots of the main screens there.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { BINARY, CHROMIUM, CHROMIUM_ARGS, STEP_MS, Server } from './support.mjs';

const SCREENSHOTS = process.env.VT_SCREENSHOT_DIR;
const TEST_MS = 240_000;

// ---- pages ----

/** Collects what would show a broken page: uncaught errors and CSP refusals. */
function watch(page, label) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`${label}: uncaught ${error.message}`));
  page.on('console', (msg) => {
    if (
      msg.type() === 'error' &&
      /Content Security Policy|Failed to load module|SyntaxError/.test(msg.text())
    ) {
      problems.push(`${label}: ${msg.text()}`);
    }
  });
  page.setDefaultTimeout(STEP_MS);
  return problems;
}

async function screenshot(page, name) {
  if (!SCREENSHOTS) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const statusOf = (page) => page.locator('#status').getAttribute('data-state');

async function waitForStatus(page, state) {
  await page.waitForFunction((s) => document.getElementById('status')?.dataset.state === s, state, {
    timeout: STEP_MS,
  });
}

/** Waits until exactly n elements match the CSS selector. */
async function waitForCount(page, selector, n) {
  await page.waitForFunction(
    ([sel, count]) => document.querySelectorAll(sel).length === count,
    [selector, n],
    { timeout: STEP_MS },
  );
}

/** Chat texts shown on a page, in order (confirmed messages only). */
async function chatTexts(page) {
  return page.locator('#chat-log .msg__text').allTextContents();
}

async function sendChat(page, text) {
  // On a phone the chat is a drawer over the video.
  const toggle = page.locator('#chat-toggle');
  if ((await toggle.count()) && (await toggle.getAttribute('aria-expanded')) === 'false') {
    await toggle.click();
  }
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

async function waitForChat(page, text) {
  await page.locator('#chat-log .msg__text').filter({ hasText: text }).first().waitFor();
}

async function openCustomer(context, server, token, label = 'customer') {
  const page = await context.newPage();
  const problems = watch(page, label);
  await page.goto(`${server.origin}/customer.html#token=${token}`);
  return { page, problems };
}

async function openStaff(context, server, token, label = 'staff') {
  const page = await context.newPage();
  const problems = watch(page, label);
  await page.goto(`${server.origin}/staff.html#token=${token}`);
  await waitForStatus(page, 'connected');
  return { page, problems };
}

async function chooseTopicAndWait(page, topicLabel) {
  await page.getByRole('radio', { name: new RegExp(topicLabel) }).check();
  await page.getByRole('button', { name: 'Talk to the store' }).click();
  await page.getByText('You are number 1 in line').waitFor();
}

const lobbyItem = (page, name) => page.locator('.lobby-item', { hasText: name });

// ---- the suite ----

let dataDir;
let server;
let browser;
let phone; // the customers' browser context (phone-sized)
let desk; // the staff's
const allProblems = [];

before(async () => {
  assert.ok(BINARY, 'VT_BINARY must name the vitrine binary');
  dataDir = await mkdtemp(join(tmpdir(), 'vt-browser-'));
  // A short replay, so that paging through older chat is reached.
  server = await new Server(dataDir, ['--chat-history=10']).start();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  phone = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    hasTouch: true,
  });
  desk = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
  });
});

after(async () => {
  await browser?.close();
  const result = await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (result) assert.deepEqual(result, { code: 0, signal: null }, `server exit:\n${server.log}`);
});

test('a call: lobby, accept, chat both ways, end', { timeout: TEST_MS }, async (t) => {
  const staffA = await openStaff(
    desk,
    server,
    await server.token('store-a', 'staff', 'Sam'),
    'staff A',
  );
  const staffB = await openStaff(
    desk,
    server,
    await server.token('store-b', 'staff', 'Bea'),
    'staff B',
  );
  const customer = await openCustomer(
    phone,
    server,
    await server.token('store-a', 'customer', 'Alice'),
  );
  allProblems.push(staffA.problems, staffB.problems, customer.problems);
  const c = customer.page;
  const a = staffA.page;
  const b = staffB.page;

  await t.test('the customer picks a topic and waits in line', async () => {
    await c.getByRole('heading', { name: 'Hello, Alice!' }).waitFor();
    await screenshot(c, '0-customer-start');
    await chooseTopicAndWait(c, 'Trade-in valuation');
    assert.equal(await statusOf(c), 'connected');
    await screenshot(c, '1-customer-waiting');
  });

  await t.test('staff of the store see the customer, the topic and a ticking wait', async () => {
    const item = lobbyItem(a, 'Alice');
    await item.waitFor();
    assert.match(await item.textContent(), /Trade-in valuation/);
    const wait = item.locator('.lobby-item__wait');
    const first = await wait.textContent();
    await a.waitForFunction(
      (before) => document.querySelector('.lobby-item .lobby-item__wait')?.textContent !== before,
      first,
      { timeout: STEP_MS },
    );
    assert.equal(await a.locator('#lobby-count').textContent(), '1');
    // A console in a background tab shows the count in the tab's title.
    assert.match(await a.title(), /^\(1\) Staff console/);
    await screenshot(a, '2-staff-lobby');
  });

  await t.test('staff of another store never see the customer', async () => {
    // Staff A has been sent the list, so anything meant for store B would have gone out too.
    await b.locator('#lobby-empty').waitFor();
    assert.equal(await b.locator('.lobby-item').count(), 0);
    assert.equal(await b.getByText('Alice').count(), 0);
    assert.equal(await b.locator('#lobby-count').textContent(), '0');
  });

  await t.test('a waiting customer whose connection drops keeps their place, shown as reconnecting', async () => {
    const item = lobbyItem(a, 'Alice');
    const accept = item.getByRole('button', { name: /Accept/ });
    await c.goto('about:blank'); // the socket goes, as on a phone changing networks
    await item.getByText('Reconnecting').waitFor();
    assert.equal(await accept.isDisabled(), true, 'a customer who is not there can be accepted');
    assert.equal(await a.locator('#lobby-count').textContent(), '1');
    await screenshot(a, 'staff-lobby-reconnecting');
    await c.goBack(); // the page remembers it was waiting, and joins again
    await item.getByText('Waiting').waitFor();
    await a.waitForFunction(() => !document.querySelector('.lobby-item button')?.disabled, null, {
      timeout: STEP_MS,
    });
    assert.equal(await a.locator('.lobby-item').count(), 1);
    await c.locator('#view-waiting').waitFor();
  });

  await t.test('staff accept: both see the room with two participants', async () => {
    await lobbyItem(a, 'Alice')
      .getByRole('button', { name: /Accept/ })
      .click();
    await c.locator('#view-room').waitFor();
    await a.locator('#call').waitFor();
    await waitForCount(c, '#people li', 2);
    await waitForCount(a, '#people li', 2);
    const customerSees = await c.locator('#people').textContent();
    assert.match(customerSees, /Alice \(you\)/);
    assert.match(customerSees, /Sam/);
    assert.match(await a.locator('#people').textContent(), /Alice/);
    // Staff may remove the customer but not themselves.
    assert.equal(await a.getByRole('button', { name: 'Remove Alice from the call' }).count(), 1);
    assert.equal(await a.getByRole('button', { name: /Remove Sam/ }).count(), 0);
    assert.equal(await c.getByRole('button', { name: /Remove/ }).count(), 0);
    // The customer left the lobby.
    await waitForCount(a, '.lobby-item', 0);
  });

  await t.test('chat goes both ways and shows once on each page', async () => {
    await sendChat(c, 'Hi! Here is my phone.');
    await waitForChat(a, 'Hi! Here is my phone.');
    await waitForChat(c, 'Hi! Here is my phone.');
    await sendChat(a, 'Thanks Alice, it looks great.');
    await waitForChat(c, 'Thanks Alice, it looks great.');
    await waitForChat(a, 'Thanks Alice, it looks great.');
    const expected = ['Hi! Here is my phone.', 'Thanks Alice, it looks great.'];
    assert.deepEqual(await chatTexts(c), expected);
    assert.deepEqual(await chatTexts(a), expected);
    await waitForCount(c, '#chat-pending li', 0);
    // Each side sees its own messages as "You".
    assert.equal(await c.locator('.msg--mine .msg__text').textContent(), 'Hi! Here is my phone.');
    assert.equal(
      await a.locator('.msg--mine .msg__text').textContent(),
      'Thanks Alice, it looks great.',
    );
    await screenshot(c, '3-customer-room');
    await screenshot(a, '4-staff-room');
  });

  await t.test('a reloaded page shows the newest chat, and earlier messages on request', async () => {
    const notes = Array.from({ length: 12 }, (_, i) => `Note ${i + 1}`);
    for (const note of notes) await sendChat(a, note);
    await waitForChat(c, 'Note 12');
    await a.reload();
    await waitForChat(a, 'Note 12');
    const earlier = a.getByRole('button', { name: 'Show earlier messages' });
    await earlier.waitFor();
    assert.equal(await a.locator('#chat-log .msg__text').count(), 10);
    await earlier.click();
    await waitForChat(a, 'Hi! Here is my phone.');
    assert.deepEqual(await chatTexts(a), [
      'Hi! Here is my phone.',
      'Thanks Alice, it looks great.',
      ...notes,
    ]);
    await earlier.waitFor({ state: 'hidden' });
  });

  await t.test('staff end the call: the customer sees that it ended', async () => {
    // End call asks first; Cancel keeps the call.
    await a.getByRole('button', { name: 'End call' }).click();
    await a.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await a.getByRole('dialog').waitFor({ state: 'hidden' });
    assert.equal(await c.locator('#view-room').isVisible(), true);
    await a.getByRole('button', { name: 'End call' }).click();
    await a.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await c.getByRole('heading', { name: 'The call has ended' }).waitFor();
    await a.locator('#no-call').waitFor();
    assert.match(await a.locator('#no-call').textContent(), /call has ended/);
    // The customer's session is over: no reconnecting.
    await waitForStatus(c, 'closed');
    await screenshot(c, '5-customer-ended');
  });

  await Promise.all([c.close(), a.close(), b.close()]);
});

test('a bad link is explained, not retried', { timeout: TEST_MS }, async () => {
  // Unreadable or expired: told on the first screen, before any topic.
  const page = await phone.newPage();
  allProblems.push(watch(page, 'bad token'));
  await page.goto(`${server.origin}/customer.html#token=not.a.token`);
  await page.getByRole('heading', { name: /couldn’t open your conversation/ }).waitFor();
  assert.match(await page.locator('#view-blocked').textContent(), /isn’t complete/);
  assert.equal(await page.getByRole('radio').count(), 0);
  const expired = await server.token('store-a', 'customer', 'Old', undefined, undefined, 1);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await page.goto(`${server.origin}/customer.html#token=${expired}`);
  await page.reload();
  await page.getByText('This link has expired').waitFor();
  assert.equal(await page.locator('#view-start').isVisible(), false);

  // Readable but not signed by this server: the server, asked before the
  // first screen, says so.
  const [head, body] = (await server.token('store-a', 'customer', 'Eve')).split('.');
  await page.goto(`${server.origin}/customer.html#token=${head}.${body}.AAAA`);
  await page.reload();
  await page.getByRole('heading', { name: /couldn’t open your conversation/ }).waitFor();
  assert.equal(await page.getByRole('radio').count(), 0);
  assert.match(
    await page.locator('#view-blocked').textContent(),
    /isn’t valid.*Error code: bad_signature/s,
  );
  // Nothing was joined, and nothing is retried.
  assert.equal(await statusOf(page), 'idle');
  await page.close();

  const none = await phone.newPage();
  allProblems.push(watch(none, 'no token'));
  await none.goto(`${server.origin}/customer.html`);
  await none.getByRole('heading', { name: 'This page needs your personal link' }).waitFor();
  await none.close();
});

test('both pages reconnect after a server restart', { timeout: TEST_MS }, async () => {
  const staff = await openStaff(
    desk,
    server,
    await server.token('store-a', 'staff', 'Max'),
    'staff R',
  );
  const customer = await openCustomer(
    phone,
    server,
    await server.token('store-a', 'customer', 'Rosa'),
    'customer R',
  );
  allProblems.push(staff.problems, customer.problems);
  const c = customer.page;
  const s = staff.page;
  await chooseTopicAndWait(c, 'Sizing');
  await lobbyItem(s, 'Rosa')
    .getByRole('button', { name: /Accept/ })
    .click();
  await waitForCount(c, '#people li', 2);
  await sendChat(c, 'Before the restart');
  await waitForChat(s, 'Before the restart');

  const port = server.port;
  assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.log);
  await waitForStatus(c, 'reconnecting');
  await waitForStatus(s, 'reconnecting');
  // Typed while the server is down: it waits in the outbox, marked as sending.
  await sendChat(c, 'Sent while you were away');
  await c
    .locator('#chat-pending .msg__text')
    .filter({ hasText: 'Sent while you were away' })
    .waitFor();

  await server.start(port);
  await waitForStatus(c, 'connected');
  await waitForStatus(s, 'connected');
  await waitForChat(s, 'Sent while you were away');
  await waitForChat(c, 'Sent while you were away');
  await waitForCount(c, '#chat-pending li', 0);
  const expected = ['Before the restart', 'Sent while you were away'];
  assert.deepEqual(await chatTexts(c), expected);
  assert.deepEqual(await chatTexts(s), expected);
  assert.equal(await c.locator('#view-room').isVisible(), true);

  // The call goes on after the restart.
  await sendChat(s, 'Welcome back');
  await waitForChat(c, 'Welcome back');
  // Staff remove the customer: the customer is told, staff stay until they end the call.
  await s.getByRole('button', { name: 'Remove Rosa from the call' }).click();
  await s.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await c.getByRole('heading', { name: 'You were removed from the call' }).waitFor();
  await waitForCount(s, '#people li', 1);
  await s.getByText('Rosa was removed from the call.').waitFor();
  // Alone in the call, staff are told it will end, and can end it now.
  await s.getByText(/Everyone else has left\. The call ends in \d+ s\./).waitFor();
  await s.getByRole('button', { name: 'End call now' }).click();
  await s.locator('#no-call').waitFor();
  await waitForStatus(c, 'closed');
  await Promise.all([c.close(), s.close()]);
});

// Were the server to offer h2 in ALPN, Chromium would open WebSockets over
// HTTP/2 (RFC 8441) and get them refused a few times before falling back to
// HTTP/1.1: a page would take up to ~16 s to connect. The server offers only
// http/1.1 (info.alpn in signaling/server.c); this keeps it that way.
test(
  'the first WebSocket of a page is accepted',
  { timeout: TEST_MS },
  async () => {
    const page = await desk.newPage();
    allProblems.push(watch(page, 'first socket'));
    let sockets = 0;
    page.on('websocket', () => sockets++);
    await page.goto(
      `${server.origin}/staff.html#token=${await server.token('store-c', 'staff', 'Cy')}`,
    );
    await waitForStatus(page, 'connected');
    await page.close();
    assert.equal(sockets, 1, 'sockets opened before one was accepted');
  },
);

test('no page error and no Content-Security-Policy violation', () => {
  assert.deepEqual(allProblems.flat(), []);
});
