// Shared by the browser tests: the real `vitrine serve` on loopback and the
// flags headless Chromium runs with.
import { execFile, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const BINARY = process.env.VT_BINARY;
export const CHROMIUM = process.env.VT_CHROMIUM ?? '/usr/bin/chromium';
// One UI step on a busy 2-core machine (generous: the ASan build is slow).
export const STEP_MS = 60_000;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--ignore-certificate-errors',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // Host candidates as addresses, not mDNS names: no multicast off the machine.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

// ---- the server ----

// Under the sanitizer build ctest gives the server its own ASAN_OPTIONS, as
// for the integration tests.
function serverEnv() {
  const env = { ...process.env };
  if (env.VT_SERVER_ASAN_OPTIONS) env.ASAN_OPTIONS = env.VT_SERVER_ASAN_OPTIONS;
  return env;
}

/** A `vitrine serve` process on 127.0.0.1; port 0 picks a free port. */
export class Server {
  constructor(dataDir, extraArgs = []) {
    this.dataDir = dataDir;
    this.extraArgs = extraArgs;
    this.port = 0;
    this.proc = null;
    this.log = '';
  }

  async start(port = 0) {
    const proc = spawn(
      BINARY,
      [
        'serve',
        `--port=${port}`,
        '--listen=127.0.0.1',
        '--relay-addresses=127.0.0.1',
        `--data-dir=${this.dataDir}`,
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: serverEnv() },
    );
    this.proc = proc;
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    this.port = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "listening on port" in:\n${this.log}`)),
        STEP_MS,
      );
      proc.stderr.setEncoding('utf8');
      proc.stderr.on('data', (chunk) => {
        this.log += chunk;
        const match = /listening on port (\d+)/.exec(this.log);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code}) before listening:\n${this.log}`));
      });
    });
    return this;
  }

  get origin() {
    return `https://127.0.0.1:${this.port}`;
  }

  /** SIGTERM, then the exit status. */
  async stop() {
    if (!this.proc) return null;
    this.proc.kill('SIGTERM');
    if (process.env.VT_SERVER_LOG) console.error(this.log);
    const result = await this.exited;
    this.proc = null;
    return result;
  }

  async token(store, role, name, sub = undefined, room = undefined, ttl = undefined) {
    const args = [
      'token',
      `--data-dir=${this.dataDir}`,
      '--store',
      store,
      '--role',
      role,
      '--name',
      name,
    ];
    if (sub) args.push('--sub', sub);
    if (room) args.push('--room', room);
    if (ttl !== undefined) args.push('--ttl', String(ttl));
    const { stdout } = await run(BINARY, args);
    return stdout.trim();
  }
}


// ---- watching a page's media ----

// Runs in every page of a context before its own scripts: keeps the page's
// RTCPeerConnections and its getUserMedia constraints where the test can
// read them, without the page knowing (the web app has no test hooks).
function recordMedia() {
  const pcs = [];
  const asked = [];
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      pcs.push(this);
    }
  };
  const devices = navigator.mediaDevices;
  if (devices?.getUserMedia) {
    const original = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (constraints) => {
      asked.push(JSON.parse(JSON.stringify(constraints ?? {})));
      return original(constraints);
    };
  }
  window.__vtMedia = {
    asked,
    // Makes every open connection report "failed", as a network change
    // would; returns how many there were.
    failAll() {
      const open = pcs.filter((pc) => pc.signalingState !== 'closed');
      for (const pc of open) {
        Object.defineProperty(pc, 'connectionState', { get: () => 'failed' });
        pc.dispatchEvent(new Event('connectionstatechange'));
      }
      return open.length;
    },
    live() {
      return pcs.filter((pc) => pc.connectionState === 'connected').length;
    },
    // Stops sending video behind the page's back, as a camera that hangs
    // would; resumeVideo() sends the same tracks again.
    held: [],
    async stopVideo() {
      for (const pc of pcs) {
        if (pc.signalingState === 'closed') continue;
        for (const s of pc.getSenders()) {
          if (s.track?.kind !== 'video') continue;
          this.held.push([s, s.track]);
          await s.replaceTrack(null);
        }
      }
      return this.held.length;
    },
    async resumeVideo() {
      for (const [sender, track] of this.held.splice(0)) await sender.replaceTrack(track);
    },
    // The feedback the relay answered on the page's publish connection
    // (a=rtcp-fb values of the answer), or [] before there is one.
    publishFeedback() {
      const pc = pcs.find((c) => c.signalingState !== 'closed' && c.getSenders().some((s) => s.track));
      const sdp = pc?.remoteDescription?.sdp ?? '';
      return [...new Set([...sdp.matchAll(/^a=rtcp-fb:\S+ (.+)$/gm)].map((m) => m[1].trim()))];
    },
    async stats() {
      const out = [];
      for (const pc of pcs) {
        if (pc.signalingState === 'closed') continue;
        const report = [...(await pc.getStats()).values()];
        for (const s of report) {
          if (s.type !== 'inbound-rtp' && s.type !== 'outbound-rtp') continue;
          const codec = report.find((c) => c.id === s.codecId);
          out.push({
            type: s.type,
            kind: s.kind,
            codec: codec?.mimeType?.toLowerCase() ?? '',
            frames: s.framesDecoded ?? s.framesEncoded ?? 0,
            width: s.frameWidth ?? 0,
            height: s.frameHeight ?? 0,
            packets: s.packetsReceived ?? s.packetsSent ?? 0,
            samples: s.totalSamplesReceived ?? 0,
          });
        }
      }
      return out;
    },
  };
}

/** Makes every page of the context record its media (see recordMedia). */
export async function recordMediaIn(context) {
  await context.addInitScript(recordMedia);
}

// Runs in every page of a context: video offers list H.264 first, as Safari's
// do (iPhones encode it in hardware), without the page knowing.
function preferH264() {
  const createOffer = RTCPeerConnection.prototype.createOffer;
  RTCPeerConnection.prototype.createOffer = function (...args) {
    const codecs = RTCRtpSender.getCapabilities('video')?.codecs ?? [];
    const h264 = codecs.filter((c) => c.mimeType.toLowerCase() === 'video/h264');
    const rest = codecs.filter((c) => c.mimeType.toLowerCase() !== 'video/h264');
    for (const t of this.getTransceivers()) {
      if (t.sender.track?.kind === 'video' && h264.length) t.setCodecPreferences([...h264, ...rest]);
    }
    return createOffer.apply(this, args);
  };
}

/** Makes the context's browser offer video as Safari does: H.264 first. */
export async function preferH264In(context) {
  await context.addInitScript(preferH264);
}

/** Totals of what a page receives now: {video: {frames, width, height, codec, packets}, audio: {samples, packets}}. */
export async function received(page) {
  const stats = await page.evaluate(() => window.__vtMedia.stats());
  return summarize(stats, 'inbound-rtp');
}

/** The same for what a page sends: frames encoded, packets. */
export async function sent(page) {
  const stats = await page.evaluate(() => window.__vtMedia.stats());
  return summarize(stats, 'outbound-rtp');
}

function summarize(stats, type) {
  const out = {
    video: { frames: 0, width: 0, height: 0, codec: '', packets: 0 },
    audio: { samples: 0, packets: 0 },
  };
  for (const s of stats.filter((x) => x.type === type)) {
    const into = out[s.kind];
    if (!into) continue;
    into.packets += s.packets;
    if (s.kind === 'audio') {
      into.samples += s.samples;
    } else {
      into.frames += s.frames;
      if (s.width) Object.assign(into, { width: s.width, height: s.height, codec: s.codec });
    }
  }
  return out;
}

/** Polls `read(page)` until `ready(value)` holds; returns the value. */
export async function waitForMedia(page, read, ready, what, timeout = STEP_MS) {
  const deadline = Date.now() + timeout;
  let value;
  for (;;) {
    value = await read(page);
    if (ready(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A JWT's claims, read without checking it (tests check what a server minted). */
export function peekClaims(token) {
  const payload = token.split('.')[1];
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

// ---- pages ----

/**
 * Collects into `problems` what would show a broken page (uncaught errors,
 * Content-Security-Policy refusals, modules that did not load), and gives
 * the page the suite's step timeout. Returns the page.
 */
export function watchPage(page, label, problems) {
  page.on('pageerror', (error) => problems.push(`${label}: uncaught ${error.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Failed to load module|SyntaxError/.test(msg.text())) {
      problems.push(`${label}: ${msg.text()}`);
    }
  });
  page.setDefaultTimeout(STEP_MS);
  return page;
}

/** Saves a screenshot to VT_SCREENSHOT_DIR (ctest: screenshots/ in the build folder), if set. */
export async function screenshot(page, name) {
  const dir = process.env.VT_SCREENSHOT_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
