// Browser interop through the relay: headless Chromium (fake camera and
// microphone) and a `vitrine client` (GStreamer webrtcbin) in one room. The
// browser publishes to the client and receives the client's test pattern;
// both directions must decode video: the page by its own getStats(), the
// client by its JSON report. The page is tests/browser/interop/, a minimal
// one (the web app has its own test), served by the real `vitrine serve`.
//
// Run: VT_BINARY=build/vitrine node --test tests/browser/test-relay-interop.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { BINARY, CHROMIUM, CHROMIUM_ARGS, STEP_MS, Server } from './support.mjs';

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'interop');
const CLIENT_SECONDS = 15;

/** Runs `vitrine client` to the end; resolves with its exit code and output. */
function runClient(server, token, codec) {
  const args = [
    'client',
    '--server',
    server.origin,
    '--token',
    token,
    '--insecure',
    '--local-address',
    '127.0.0.1',
    '--publish',
    'test',
    '--codec',
    codec,
    '--width',
    '320',
    '--height',
    '240',
    '--subscribe',
    '--duration',
    String(CLIENT_SECONDS),
    '--json',
  ];
  // Under ASan the client runs without LeakSanitizer (GStreamer keeps
  // allocations until exit); the server is checked (support.mjs).
  const proc = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, out, err })));
}

function video(stats, direction) {
  return stats.filter((s) => s.type === direction && s.kind === 'video');
}

/** Polls the page's statistics until `ready` holds; returns them. */
async function waitForStats(page, ready) {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    const stats = await page.evaluate(() => window.vt.stats());
    if (ready(stats)) return stats;
    if (Date.now() > deadline || stats.errors.length > 0)
      throw new Error(`no video both ways: ${JSON.stringify(stats)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function interop(codec) {
  const dataDir = await mkdtemp(join(tmpdir(), 'vitrine-interop-'));
  // The relay takes only the test's codec, whatever the browser lists first.
  const codecs = codec;
  const server = await new Server(dataDir, [
    `--web-dir=${PAGE_DIR}`,
    `--video-codecs=${codecs}`,
  ]).start();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const pageToken = await server.token('shop-a', 'staff', 'Browser', 'browser', 'r1');
    const clientToken = await server.token('shop-a', 'customer', 'Client', 'client', 'r1');
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(STEP_MS);
    const problems = [];
    page.on('pageerror', (e) => problems.push(`uncaught ${e.message}`));
    await page.goto(`${server.origin}/index.html?codec=${codec}#${encodeURIComponent(pageToken)}`);

    const client = runClient(server, clientToken, codec);
    // The page decodes the client's video and sends its own.
    const stats = await waitForStats(page, (s) =>
      video(s.subscribe, 'inbound-rtp').some((r) => r.framesDecoded > 30) &&
      video(s.publish, 'outbound-rtp').some((r) => r.framesSent > 30),
    );
    assert.deepEqual(stats.errors, []);
    assert.deepEqual(problems, []);
    const inbound = video(stats.subscribe, 'inbound-rtp')[0];
    assert.equal(inbound.frameWidth, 320);
    assert.equal(inbound.frameHeight, 240);
    const codecOf = (list, rtp) => list.find((s) => s.id === rtp.codecId)?.mimeType ?? '';
    assert.equal(codecOf(stats.subscribe, inbound).toLowerCase(), `video/${codec}`);
    const outbound = video(stats.publish, 'outbound-rtp')[0];
    assert.equal(codecOf(stats.publish, outbound).toLowerCase(), `video/${codec}`);

    const { code, out, err } = await client;
    assert.equal(code, 0, `vitrine client failed: ${err}`);
    const report = JSON.parse(out);
    const fromBrowser = report.tracks.find((t) => t.kind === 'video' && t.frames_decoded > 30);
    assert.ok(fromBrowser, `the client decoded no video from the browser: ${out}`);
    assert.ok(fromBrowser.width > 0 && fromBrowser.height > 0);
    const audio = report.tracks.find((t) => t.kind === 'audio');
    assert.ok(audio && audio.frames_decoded > 0, 'the client decoded no audio from the browser');
  } finally {
    await browser.close();
    const result = await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    assert.equal(result?.code, 0, `the server exited with ${JSON.stringify(result)}`);
  }
}

test('Chromium and vitrine client exchange VP8 through the relay', { timeout: 180_000 }, () =>
  interop('vp8'),
);

test('Chromium and vitrine client exchange H.264 through the relay', { timeout: 180_000 }, () =>
  interop('h264'),
);
