// Browser test of calls with video: the real web app and `vitrine serve` on
// loopback, headless Chromium with fake camera and microphone, a customer on
// a phone-sized page and staff on a desktop-sized one.
//
// A customer queues (with the rear camera asked for first and a preview of
// it), staff accept, and each page decodes the other's video and hears its
// audio, in VP8, and in H.264 from a customer whose browser lists it first
// (as Safari does); mute and camera-off stop what the other side receives
// and staff see which it was; the switch asks for the other camera. The call survives a reload
// of either page and a server restart (frames counted before and after). A
// camera the browser refuses is explained, and a retry after granting it
// brings video.
//
// Screenshots of each state at 360x740 and 1280x800 go to VT_SCREENSHOT_DIR
// (ctest sets it to screenshots/ in the build folder).
//
// Run: VT_BINARY=build/vitrine node --test tests/browser/test-call.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import {
  BINARY,
  CHROMIUM,
  CHROMIUM_ARGS,
  STEP_MS,
  Server,
  screenshot,
  watchPage,
  received,
  preferH264In,
  recordMediaIn,
  sent,
  waitForMedia,
} from './support.mjs';

const TEST_MS = 300_000;
// "Stops": what arrives in this long after the switch-off, allowing for
// what was already on its way.
const QUIET_MS = 2000;

const problems = [];

const watch = (page, label) => watchPage(page, label, problems);

/** A phone-sized page must never scroll sideways. */
async function assertNoSidewaysScroll(page, state) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${state}: the page is ${scroll}px wide in a ${client}px screen`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- what a page gets ----

/** Waits until the page decodes `more` video frames beyond `from`. */
async function videoFlows(page, what, from = 0, more = 30) {
  return waitForMedia(page, received, (r) => r.video.frames >= from + more && r.video.width > 0, what);
}

async function audioFlows(page, what, from = 0) {
  return waitForMedia(page, received, (r) => r.audio.samples > from + 48000, what);
}

// ---- the suite ----

let dataDir;
let browser;

before(async () => {
  assert.ok(BINARY, 'VT_BINARY must name the vitrine binary');
  dataDir = await mkdtemp(join(tmpdir(), 'vt-call-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function newContexts() {
  const phone = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const desk = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  await recordMediaIn(phone);
  await recordMediaIn(desk);
  return { phone, desk };
}

/** A customer in line and staff who accepted them: both pages in the call. */
async function startCall(server, { phone, desk }, names, shoot = null) {
  const staff = watch(await desk.newPage(), `staff ${names.staff}`);
  await staff.goto(`${server.origin}/staff.html#token=${await server.token('shop', 'staff', names.staff)}`);
  const customer = watch(await phone.newPage(), `customer ${names.customer}`);
  await customer.goto(
    `${server.origin}/customer.html#token=${await server.token('shop', 'customer', names.customer)}`,
  );
  await customer.getByRole('radio', { name: /Trade-in/ }).check();
  if (shoot) {
    await shoot(customer, 'customer-start');
    await assertNoSidewaysScroll(customer, 'start');
  }
  await customer.getByRole('button', { name: 'Talk to the store' }).click();
  await customer.getByText('You are number 1 in line').waitFor();
  await customer.locator('#preview-box').waitFor();
  await customer.waitForFunction(() => document.getElementById('preview').videoWidth > 0, null, {
    timeout: STEP_MS,
  });
  if (shoot) {
    await shoot(customer, 'customer-waiting');
    await assertNoSidewaysScroll(customer, 'waiting');
    await shoot(staff, 'staff-lobby');
  }
  await staff.locator('.lobby-item', { hasText: names.customer }).getByRole('button', { name: /Accept/ }).click();
  await customer.locator('#view-room').waitFor();
  await staff.locator('#call').waitFor();
  return { customer, staff };
}

// codec: what the customer's browser lists first (Chromium VP8; 'h264' makes
// it list H.264 first, as Safari does). The relay, with its default
// configuration, takes what each browser lists first; staff's Chromium sends VP8.
async function call(codec) {
  const server = await new Server(dataDir).start();
  const contexts = await newContexts();
  if (codec === 'h264') await preferH264In(contexts.phone);
  try {
    const shoot = codec === 'vp8' ? screenshot : null;
    const { customer, staff } = await startCall(server, contexts, { customer: 'Alice', staff: 'Sam' }, shoot);

    // The rear camera was asked for first.
    const asked = await customer.evaluate(() => window.__vtMedia.asked);
    assert.deepEqual(asked[0].video.facingMode, { ideal: 'environment' }, JSON.stringify(asked));
    assert.ok(asked[0].audio, 'the microphone was asked for too');

    // Each page decodes the other's video, in the codec its sender prefers,
    // and hears the other's audio.
    const atStaff = await videoFlows(staff, 'staff decode the customer’s video');
    const atCustomer = await videoFlows(customer, 'the customer decodes staff’s video');
    assert.equal(atStaff.video.codec, `video/${codec}`);
    assert.equal(atCustomer.video.codec, 'video/vp8');
    const customerSends = await sent(customer);
    assert.equal(atStaff.video.width, customerSends.video.width || atStaff.video.width);
    assert.ok(atStaff.video.width >= 320 && atStaff.video.height >= 240, JSON.stringify(atStaff));
    // The customer's publish connection takes the relay's transport-wide
    // feedback, which lets Chromium ramp up to the camera's full size in a
    // second or two instead of 20 (docs/performance.md measures the ramp;
    // how fast it goes on a loaded two-core machine is a benchmark's figure,
    // not a test's).
    const negotiated = await customer.evaluate(() => window.__vtMedia.publishFeedback());
    assert.ok(negotiated.includes('transport-cc'), JSON.stringify(negotiated));
    await audioFlows(staff, 'staff hear the customer');
    await audioFlows(customer, 'the customer hears staff');
    assert.equal(await customer.locator('#remote-tile').isVisible(), true);
    assert.equal(await staff.locator('#remote-note').isVisible(), false);

    // Chat goes both ways during the call (the drawer on the phone).
    await customer.getByRole('button', { name: 'Chat' }).click();
    await customer.getByRole('textbox', { name: 'Message' }).fill('Can you see the scratch?');
    await customer.getByRole('button', { name: 'Send' }).click();
    await staff.locator('#chat-log .msg__text', { hasText: 'Can you see the scratch?' }).waitFor();
    await staff.getByRole('textbox', { name: 'Message' }).fill('Yes, on the left edge.');
    await staff.getByRole('button', { name: 'Send' }).click();
    await customer.locator('#chat-log .msg__text', { hasText: 'Yes, on the left edge.' }).waitFor();
    if (shoot) await shoot(customer, 'customer-chat');
    await customer.getByRole('button', { name: 'Back to video' }).click();
    if (shoot) {
      await shoot(customer, 'customer-call');
      await staff.locator('#quality summary').click();
      await staff.locator('#quality-rows tr').first().waitFor();
      await shoot(staff, 'staff-call');
      await assertNoSidewaysScroll(customer, 'in a call');
    }
    if (codec === 'vp8') await controls(customer, staff);

    await staff.getByRole('button', { name: 'End call' }).click();
    await staff.getByRole('dialog').getByRole('button', { name: 'End call' }).click();
    await customer.getByRole('heading', { name: 'The call has ended' }).waitFor();
    if (shoot) {
      await shoot(customer, 'customer-ended');
      await assertNoSidewaysScroll(customer, 'ended');
    }
    // The camera is let go when the call ends.
    const live = await customer.evaluate(() =>
      [...document.querySelectorAll('video')].some((v) => v.srcObject?.getTracks().some((t) => t.readyState === 'live')),
    );
    assert.equal(live, false, 'a video still shows a live camera after the call');
  } finally {
    await contexts.phone.close();
    await contexts.desk.close();
    const result = await server.stop();
    assert.deepEqual(result, { code: 0, signal: null }, server.log);
  }
}

// Mute, camera off and on, and the camera switch, seen from the other side.
async function controls(customer, staff) {
  const quiet = async (kind, key) => {
    await sleep(500); // what was on its way arrives
    const before = (await received(staff))[kind][key];
    await sleep(QUIET_MS);
    return (await received(staff))[kind][key] - before;
  };

  // Mute: nothing arrives, and staff see why.
  const alice = staff.locator('.person', { hasText: 'Alice' });
  await customer.getByRole('button', { name: 'Mute' }).click();
  await customer.getByRole('button', { name: 'Unmute' }).waitFor();
  assert.equal(await quiet('audio', 'packets'), 0, 'audio still arrives while muted');
  await alice.getByText('Muted').waitFor();
  await staff.locator('#remote-muted').waitFor();
  await customer.getByRole('button', { name: 'Unmute' }).click();
  const audio = (await received(staff)).audio.packets;
  await waitForMedia(staff, received, (r) => r.audio.packets > audio + 20, 'audio after unmute');
  await staff.locator('#remote-muted').waitFor({ state: 'hidden' });

  // Camera off: no video arrives, and staff read "Camera off", not a
  // stalled picture, even after the stall detection's few seconds.
  await customer.getByRole('button', { name: 'Camera off' }).click();
  await customer.getByText('Your camera is off').waitFor();
  await staff.locator('#remote-note', { hasText: 'turned their camera off' }).waitFor();
  await alice.getByText('Camera off').waitFor();
  assert.equal(await quiet('video', 'frames'), 0, 'video still arrives with the camera off');
  await sleep(2000); // past the console's 3 s stall detection, counted from the last frame
  assert.equal(await alice.getByText('Video stalled').count(), 0, 'a camera turned off shown as stalled');
  await screenshot(staff, 'staff-camera-off');
  await customer.getByRole('button', { name: 'Camera on' }).click();
  const frames = (await received(staff)).video.frames;
  await videoFlows(staff, 'video after camera on', frames);
  await alice.getByText('Here').waitFor();
  await staff.locator('#remote-note').waitFor({ state: 'hidden' });

  // A picture that stops without the page saying so (a camera that hangs, a
  // weak uplink) is shown as stalled, and as "Here" once it flows again.
  assert.ok((await customer.evaluate(() => window.__vtMedia.stopVideo())) > 0);
  await staff.locator('#remote-note', { hasText: 'picture has stopped' }).waitFor();
  await alice.getByText('Video stalled').waitFor();
  await screenshot(staff, 'staff-stalled');
  await customer.evaluate(() => window.__vtMedia.resumeVideo());
  await alice.getByText('Here').waitFor();

  // Staff turn their camera off: the customer's picture fills the stage
  // instead of a frozen frame of staff; on again, staff show again.
  await staff.getByRole('button', { name: 'Camera off' }).click();
  await customer.locator('#remote-tile').waitFor({ state: 'hidden' });
  await staff.getByRole('button', { name: 'Camera on' }).click();
  await customer.locator('#remote-tile').waitFor();

  // The fake device has one camera: the switch asks for the front one.
  const asked = (await customer.evaluate(() => window.__vtMedia.asked)).length;
  await customer.evaluate(async () => {
    // Two cameras, as on a phone, so that the switch is offered.
    const real = navigator.mediaDevices.enumerateDevices.bind(navigator.mediaDevices);
    navigator.mediaDevices.enumerateDevices = async () => {
      const list = await real();
      const camera = list.find((d) => d.kind === 'videoinput');
      return camera ? [...list, { ...camera.toJSON(), deviceId: 'second', label: 'Front' }] : list;
    };
  });
  await customer.getByRole('button', { name: 'Camera off' }).click();
  await customer.getByRole('button', { name: 'Camera on' }).click();
  const afterOn = (await customer.evaluate(() => window.__vtMedia.asked)).length;
  assert.ok(afterOn > asked, 'camera on asks for the camera again');
  await customer.locator('#view-room [data-action="switch"]').click();
  await customer.waitForFunction((n) => window.__vtMedia.asked.length > n, afterOn, {
    timeout: STEP_MS,
  });
  const switched = (await customer.evaluate(() => window.__vtMedia.asked)).slice(afterOn);
  assert.deepEqual(switched[0].video.facingMode, { ideal: 'user' }, JSON.stringify(switched));
  const afterSwitch = (await received(staff)).video.frames;
  await videoFlows(staff, 'video after the switch', afterSwitch);
}

test('a video call in VP8: queue, accept, both ways, controls, end', { timeout: TEST_MS }, () => call('vp8'));

test('a video call where the customer’s browser prefers H.264, as Safari does', { timeout: TEST_MS }, () =>
  call('h264'),
);

test('video and chat come back after reloads and a server restart', { timeout: TEST_MS }, async () => {
  const server = await new Server(dataDir).start();
  const contexts = await newContexts();
  try {
    const { customer, staff } = await startCall(server, contexts, { customer: 'Rosa', staff: 'Max' });
    let atStaff = await videoFlows(staff, 'first video at staff');
    await videoFlows(customer, 'first video at the customer');

    // Both connections of the customer's page fail (as when a phone changes
    // networks and its socket survives): the page starts them again by
    // itself, and video flows both ways.
    const pcsBefore = await customer.evaluate(() => window.__vtMedia.failAll());
    assert.equal(pcsBefore, 2);
    atStaff = await videoFlows(staff, 'video at staff after the customer’s ICE failed', atStaff.video.frames);
    await waitForMedia(
      customer,
      () => customer.evaluate(() => window.__vtMedia.live()),
      (n) => n === 2,
      'two new connections',
    );
    await videoFlows(customer, 'video at the customer after its ICE failed');

    // The customer mutes, then reloads: staff keep their connection and get
    // the new video, and what the reloaded page sends (its microphone is on
    // again) replaces the "Muted" staff saw.
    const rosa = staff.locator('.person', { hasText: 'Rosa' });
    await customer.getByRole('button', { name: 'Mute' }).click();
    await rosa.getByText('Muted').waitFor();
    await customer.reload();
    await customer.locator('#view-room').waitFor();
    atStaff = await videoFlows(staff, 'video at staff after the customer reloaded', atStaff.video.frames);
    await videoFlows(customer, 'video at the customer after reloading');
    await rosa.getByText('Muted').waitFor({ state: 'detached' });

    // Staff reload.
    await staff.reload();
    await staff.locator('#call').waitFor();
    atStaff = await videoFlows(staff, 'video at staff after reloading');
    let atCustomer = await received(customer);
    atCustomer = await videoFlows(customer, 'video at the customer after staff reloaded', atCustomer.video.frames);

    // The server restarts: both pages come back by themselves.
    const port = server.port;
    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.log);
    await customer.locator('#media-badge', { hasText: 'Reconnecting' }).waitFor();
    await server.start(port);
    await staff.locator('#status[data-state="connected"]').waitFor();
    await customer.locator('#status[data-state="connected"]').waitFor();
    await videoFlows(staff, 'video at staff after the restart', (await received(staff)).video.frames);
    await videoFlows(customer, 'video at the customer after the restart', (await received(customer)).video.frames);
    await customer.locator('#media-badge').waitFor({ state: 'hidden' });
    await staff.getByRole('textbox', { name: 'Message' }).fill('Still there?');
    await staff.getByRole('button', { name: 'Send' }).click();
    await customer.getByRole('button', { name: 'Chat' }).click();
    await customer.locator('#chat-log .msg__text', { hasText: 'Still there?' }).waitFor();

    // The customer leaves: staff are told, and the empty call ends by itself.
    await customer.getByRole('button', { name: 'Leave' }).click();
    await staff.getByText(/Everyone else has left\. The call ends in \d+ s\./).waitFor();
    await screenshot(staff, 'staff-customer-left');
    await staff.locator('#no-call').waitFor({ timeout: 30_000 });
    assert.match(await staff.locator('#no-call').textContent(), /call has ended/);
  } finally {
    await contexts.phone.close();
    await contexts.desk.close();
    const result = await server.stop();
    assert.deepEqual(result, { code: 0, signal: null }, server.log);
  }
});

test('a camera the browser refuses is explained; retry after allowing it brings video', { timeout: TEST_MS }, async () => {
  const server = await new Server(dataDir).start();
  // No fake permission prompt: the page gets what the context grants.
  const strict = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS.filter((a) => a !== '--use-fake-ui-for-media-stream'),
  });
  try {
    const phone = await strict.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    await recordMediaIn(phone);
    const page = watch(await phone.newPage(), 'refused');
    await page.goto(`${server.origin}/customer.html#token=${await server.token('shop', 'customer', 'Nia')}`);
    await page.getByRole('radio', { name: /Sizing/ }).check();
    await page.getByRole('button', { name: 'Talk to the store' }).click();
    await page.getByRole('heading', { name: 'We can’t use your camera' }).waitFor();
    assert.match(await page.locator('#camera-problem').textContent(), /blocking the camera/);
    // Still in line: the call can happen without video.
    await page.getByText('You are number 1 in line').waitFor();
    await screenshot(page, 'customer-camera-refused');
    await assertNoSidewaysScroll(page, 'camera refused');

    await phone.grantPermissions(['camera', 'microphone'], { origin: server.origin });
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.locator('#camera-problem').waitFor({ state: 'hidden' });
    await page.locator('#preview-box').waitFor();
    await page.waitForFunction(() => document.getElementById('preview').videoWidth > 0, null, {
      timeout: STEP_MS,
    });
  } finally {
    await strict.close();
    const result = await server.stop();
    assert.deepEqual(result, { code: 0, signal: null }, server.log);
  }
});

test('no page error and no Content-Security-Policy violation', () => {
  assert.deepEqual(problems, []);
});
