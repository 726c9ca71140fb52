// How long a customer and a member of staff wait for each other's picture:
// the real web app in headless Chromium (fake camera and microphone) against
// `vitrine serve` on loopback, CALLS calls in a row. For each call, from
// staff's Accept click to the first remote frame rendered on each page
// (requestVideoFrameCallback), and from the moment both connections that
// carry that picture were up (the sender's publish connection and the
// receiver's subscribe connection, as each page's RTCPeerConnection reports
// them) to that frame. Also the customer page's weight (JS + CSS as served).
//
// Run on demand (not in CI), after a build:
//   VT_BINARY=build/vitrine node bench/browser-first-frame.mjs [CALLS]
// Prints p50 and max of each figure, in ms.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS, Server } from '../tests/browser/support.mjs';

const CALLS = Number(process.argv[2] ?? 10);

// In every page: when each peer connection came up, and when the remote
// video rendered its first frame (all on the page's wall clock, in ms).
function watchFirstFrame() {
  const t = { up: {}, frame: null };
  window.__bench = t;
  const Original = window.RTCPeerConnection;
  let n = 0;
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      const id = n++;
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') t.up[id] = { at: performance.timeOrigin + performance.now(), pc: this };
      });
    }
  };
  const hook = () => {
    const video = document.getElementById('remote-video');
    if (video?.srcObject && !video.__benchHooked) {
      video.__benchHooked = true;
      video.requestVideoFrameCallback((now) => {
        t.frame = performance.timeOrigin + now;
      });
    }
  };
  setInterval(hook, 2);
}

/** When the page's publish and subscribe connections came up: {publish, subscribe}. */
async function upTimes(page) {
  return page.evaluate(() => {
    const out = {};
    for (const { at, pc } of Object.values(window.__bench.up)) {
      const sending = pc.getTransceivers().some((t) => t.direction === 'sendonly');
      out[sending ? 'publish' : 'subscribe'] = at;
    }
    return out;
  });
}

async function firstFrame(page) {
  await page.waitForFunction(() => window.__bench.frame !== null, null, { timeout: 30_000 });
  return page.evaluate(() => window.__bench.frame);
}

// p50 and max, then every call's figure in order (to see what the max was).
function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const p50 = sorted[Math.floor((sorted.length - 1) / 2)];
  const each = values.map((v) => v.toFixed(0)).join(' ');
  return `p50 ${p50.toFixed(0)}  max ${sorted.at(-1).toFixed(0)}   (${each})`;
}

async function oneCall(server, browser, i) {
  const phone = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 360, height: 740 } });
  const desk = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  await phone.addInitScript(watchFirstFrame);
  await desk.addInitScript(watchFirstFrame);
  const staff = await desk.newPage();
  await staff.goto(`${server.origin}/staff.html#token=${await server.token('bench', 'staff', `Staff ${i}`)}`);
  const customer = await phone.newPage();
  await customer.goto(`${server.origin}/customer.html#token=${await server.token('bench', 'customer', `Customer ${i}`)}`);
  await customer.getByRole('radio', { name: /Trade-in/ }).check();
  await customer.getByRole('button', { name: 'Talk to the store' }).click();
  await customer.locator('#preview-box').waitFor();
  // The customer's camera is live before staff accept, as in a real wait.
  await customer.waitForFunction(() => document.getElementById('preview').videoWidth > 0);
  const accept = staff.locator('.lobby-item button');
  await accept.waitFor();
  const clicked = await staff.evaluate(() => performance.timeOrigin + performance.now());
  await accept.click();
  const [atStaff, atCustomer] = await Promise.all([firstFrame(staff), firstFrame(customer)]);
  const [staffUp, customerUp] = await Promise.all([upTimes(staff), upTimes(customer)]);
  // What the customer's phone downloads to run the page: scripts and styles,
  // uncompressed (the server sends them so).
  const weight = await customer.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => /\.(js|css)$/.test(new URL(e.name).pathname))
      .reduce((sum, e) => sum + e.decodedBodySize, 0),
  );
  await Promise.all([phone.close(), desk.close()]);
  return {
    clickToStaff: atStaff - clicked,
    clickToCustomer: atCustomer - clicked,
    upToStaff: atStaff - Math.max(customerUp.publish, staffUp.subscribe),
    upToCustomer: atCustomer - Math.max(staffUp.publish, customerUp.subscribe),
    weight,
  };
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'vt-bench-browser-'));
  const server = await new Server(dataDir).start();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const runs = [];
  try {
    for (let i = 0; i < CALLS; i++) runs.push(await oneCall(server, browser, i));
  } finally {
    await browser.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  const col = (key) => stats(runs.map((r) => r[key]));
  console.log(`calls: ${runs.length} (Chromium ${browser.version()}, fake devices, loopback)`);
  console.log(`accept click -> first frame at staff:        ${col('clickToStaff')} ms`);
  console.log(`accept click -> first frame at customer:     ${col('clickToCustomer')} ms`);
  console.log(`both connections up -> frame at staff:       ${col('upToStaff')} ms`);
  console.log(`both connections up -> frame at customer:    ${col('upToCustomer')} ms`);
  console.log(`customer page JS + CSS: ${(runs[0].weight / 1024).toFixed(1)} KB (uncompressed)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
