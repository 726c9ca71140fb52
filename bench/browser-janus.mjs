// How long a subscriber waits for the picture, Vitrine's relay beside Janus
// 1.1.2 (VideoRoom plugin), in one run on one machine: headless Chromium
// with a fake camera and microphone, everything on 127.0.0.1.
//
// For each server one publisher page publishes camera + microphone (VP8)
// and stays for the whole run; then, ROUNDS times, a fresh subscriber page
// joins and subscribes to it, the two servers taking turns (which goes
// first alternates from round to round). Measured on the subscriber page's
// own clock: from the start of its signaling (just before its WebSocket
// opens) to the first remote video frame rendered (requestVideoFrameCallback),
// and from its RTCPeerConnection reaching "connected" (ICE and DTLS) to that
// frame; also the p50 of each phase in between, to tell where the time goes.
//
// The pages are bench/pages/: vitrine/ speaks docs/protocol.md section 8 and
// is served by `vitrine serve --web-dir=bench/pages`; janus/ speaks the Janus
// API over a secure WebSocket (create, attach janus.plugin.videoroom, join
// room 1234 as publisher and configure with our offer, or join as subscriber
// to the publisher's feed and start with our answer; trickle) and is served
// by a small HTTPS server in this script. Both servers use the certificate
// `vitrine serve` makes in its data folder, so both pages pay for TLS alike.
// Janus runs from a configuration written to a temporary folder: only the
// VideoRoom plugin and the WebSockets transport, ICE on 127.0.0.1 only, no
// STUN, one room (1234: VP8 and Opus, no bitrate cap, no periodic FIR).
// Janus 1.1.2 never gathers on a loopback interface, so the script
// compiles bench/janus-loopback.c (needs `cc`) and preloads it into Janus
// to hide lo's loopback flag. Every subscriber's offer is checked: a
// candidate other than 127.0.0.1 from either server stops the run.
//
// Run on demand (not in CI), after a build:
//   VT_BINARY=build/vitrine node bench/browser-janus.mjs [ROUNDS]
// ROUNDS defaults to 10. The Janus half needs Debian's Janus
// (`apt-get install janus`, version 1.1.2 in Debian 12); without
// /usr/bin/janus (or VT_JANUS) the script says so and measures Vitrine
// alone. VT_JANUS_LOG=1 prints Janus' log at the end, VT_SERVER_LOG=1
// Vitrine's, VT_BENCH_RAW=1 every subscriber's steps. Prints p50 and max of
// each figure in ms, and Vitrine/Janus.

import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { BINARY, CHROMIUM, CHROMIUM_ARGS, Server } from '../tests/browser/support.mjs';

const ROUNDS = Number(process.argv[2] ?? 10);
const JANUS = process.env.VT_JANUS ?? '/usr/bin/janus';
const HERE = dirname(fileURLToPath(import.meta.url));
const PAGES = join(HERE, 'pages');
const ROOM = 'janus-bench';
// A page that shows no frame in this long has failed, on any machine.
const STEP_MS = 30_000;
// Between subscribers, so that the last one's keyframe is not the next one's.
const PAUSE_MS = 1_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- things to stop at the end, whatever happens ----

const cleanups = [];
let cleaning = null;

/** Runs the steps, last first; a second caller (a signal) waits for the same run. */
function cleanUp() {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop();
      try {
        await step();
      } catch (error) {
        console.error(`cleaning up: ${error}`);
      }
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the servers and the browser`);
    cleanUp().finally(() => process.exit(1));
  });
}

// ---- Janus ----

/** A free TCP port on 127.0.0.1 (free now; Janus binds it a moment later). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Where Debian keeps Janus' plugins/, transports/, events/ and loggers/. */
function janusLibDir() {
  if (process.env.VT_JANUS_LIB) return process.env.VT_JANUS_LIB;
  for (const dir of readdirSync('/usr/lib')) {
    const candidate = join('/usr/lib', dir, 'janus');
    if (existsSync(join(candidate, 'plugins', 'libjanus_videoroom.so'))) return candidate;
  }
  throw new Error('no Janus plugins folder under /usr/lib/*/janus (set VT_JANUS_LIB)');
}

/** Every module of that kind but the ones kept, for a `disable` list. */
function allBut(folder, keep) {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.so') && !keep.includes(name))
    .join(',');
}

/** Writes janus.jcfg, the WebSockets transport's and the VideoRoom's files. */
async function writeJanusConfig(dir, port, cert, key) {
  const lib = janusLibDir();
  await writeFile(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${lib}/plugins"
  transports_folder = "${lib}/transports"
  events_folder = "${lib}/events"
  loggers_folder = "${lib}/loggers"
  debug_level = 4
  debug_colors = false
  server_name = "vitrine-bench"
  interface = "127.0.0.1"
  session_timeout = 60
}
media: {
  ipv6 = false
}
nat: {
  ice_enforce_list = "127.0.0.1"
  nice_debug = false
}
plugins: {
  disable = "${allBut(join(lib, 'plugins'), ['libjanus_videoroom.so'])}"
}
transports: {
  disable = "${allBut(join(lib, 'transports'), ['libjanus_websockets.so'])}"
}
loggers: {
  disable = "${allBut(join(lib, 'loggers'), [])}"
}
events: {
  broadcast = false
  disable = "${allBut(join(lib, 'events'), [])}"
}
`,
  );
  await writeFile(
    join(dir, 'janus.transport.websockets.jcfg'),
    `general: {
  json = "compact"
  ws = false
  wss = true
  wss_port = ${port}
  wss_ip = "127.0.0.1"
}
admin: {
  admin_ws = false
  admin_wss = false
}
certificates: {
  cert_pem = "${cert}"
  cert_key = "${key}"
}
`,
  );
  await writeFile(
    join(dir, 'janus.plugin.videoroom.jcfg'),
    `general: {
}
room-1234: {
  description = "Vitrine benchmark"
  publishers = 6
  audiocodec = "opus"
  videocodec = "vp8"
  fir_freq = 0
  record = false
}
`,
  );
}

/** A `janus` process with the configuration above, listening on 127.0.0.1. */
class Janus {
  constructor(dir, cert, key) {
    Object.assign(this, { dir, cert, key, proc: null, log: '', port: 0 });
  }

  get url() {
    return `wss://127.0.0.1:${this.port}`;
  }

  async start() {
    this.port = await freePort();
    await writeJanusConfig(this.dir, this.port, this.cert, this.key);
    // See bench/janus-loopback.c: without it Janus gathers on every interface but lo.
    const shim = join(this.dir, 'janus-loopback.so');
    await promisify(execFile)('cc', ['-shared', '-fPIC', '-O2', '-o', shim, join(HERE, 'janus-loopback.c'), '-ldl']);
    const proc = spawn(
      JANUS,
      [`--configs-folder=${this.dir}`, `--config=${join(this.dir, 'janus.jcfg')}`],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LD_PRELOAD: shim } },
    );
    this.proc = proc;
    const keep = (chunk) => {
      this.log = (this.log + chunk).slice(-1_000_000);
    };
    proc.stdout.setEncoding('utf8').on('data', keep);
    proc.stderr.setEncoding('utf8').on('data', keep);
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + STEP_MS;
    while (!(await this.listening())) {
      if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline)
        throw new Error(`Janus did not start listening on ${this.port}:\n${this.log.slice(-4000)}`);
      await sleep(100);
    }
    return this;
  }

  listening() {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  /** SIGTERM, SIGKILL if it is still there 5 s later. */
  async stop() {
    if (!this.proc) return;
    const proc = this.proc;
    this.proc = null;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    if (process.env.VT_JANUS_LOG) console.error(this.log);
  }
}

// ---- the pages' HTTPS server (for Janus; Vitrine serves its own) ----

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** Serves bench/pages on 127.0.0.1 with the given certificate. */
async function servePages(cert, key) {
  const server = createHttpsServer({ cert: await readFile(cert), key: await readFile(key) }, async (req, res) => {
    const path = normalize(join(PAGES, decodeURIComponent(new URL(req.url, 'https://x').pathname)));
    if (!path.startsWith(PAGES + sep) || !TYPES[extname(path)]) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)], 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

// ---- pages ----

/** Opens `url` in a context of its own; resolves once the page has marked `mark`. */
async function openPage(browser, url, mark, what) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`uncaught ${error.message}`));
  try {
    await page.goto(url);
    await page.waitForFunction(
      (name) => {
        const b = window.__bench;
        return b && (b.errors.length > 0 || b.marks[name] !== undefined);
      },
      mark,
      { timeout: STEP_MS },
    );
    const bench = await page.evaluate(() => window.__bench);
    if (bench.errors.length > 0 || problems.length > 0)
      throw new Error(`${what}: ${[...bench.errors, ...problems].join('; ')}`);
    return { context, page, bench };
  } catch (error) {
    await context.close();
    throw new Error(`${what}: ${error.message}`);
  }
}

/**
 * One fresh subscriber to the publisher page `publisher`: its marks, once it
 * has rendered a frame, with the keyframe requests the publisher received
 * and the keyframes it sent meanwhile; then closed.
 */
async function subscribe(browser, publisher, url, what) {
  const before = await publisher.evaluate(() => window.__bench.sent());
  const { context, bench } = await openPage(browser, url, 'frame', what);
  const after = await publisher.evaluate(() => window.__bench.sent());
  await context.close();
  checkLoopback(bench.offer, what);
  return {
    ...bench.marks,
    requests: after.requests - before.requests,
    keyframes: after.keyframes - before.keyframes,
  };
}

/** Throws unless every address the server's offer names is 127.0.0.1 (c= may be 0.0.0.0). */
function checkLoopback(sdp, what) {
  const candidates = [...sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+) /gm)].map((m) => m[1]);
  const lines = [...sdp.matchAll(/^c=IN IP[46] (\S+)/gm)].map((m) => m[1]);
  const others = [
    ...candidates.filter((a) => a !== '127.0.0.1'),
    ...lines.filter((a) => a !== '127.0.0.1' && a !== '0.0.0.0'),
  ];
  if (candidates.length === 0 || others.length > 0)
    throw new Error(`${what}: the server offered ${others.join(', ') || 'no candidate'}, not only 127.0.0.1`);
}

// ---- figures ----

function p50(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function pair(values) {
  return `p50 ${p50(values).toFixed(0).padStart(4)}  max ${Math.max(...values).toFixed(0).padStart(5)}`;
}

const PHASES = [
  ['start', 'open', 'socket open'],
  ['open', 'offer', 'offer in'],
  ['offer', 'answered', 'answer out'],
  ['answered', 'iceConnected', 'ICE connected'],
  ['iceConnected', 'connected', 'DTLS (connected)'],
  ['connected', 'frame', 'first frame'],
];

function report(name, runs) {
  console.log(`${name} (${runs.length} subscribers)`);
  if (process.env.VT_BENCH_RAW) {
    for (const m of runs) {
      const steps = PHASES.map(([from, to]) => (m[to] - m[from]).toFixed(0).padStart(4)).join(' ');
      const join = (m.frame - m.start).toFixed(0).padStart(5);
      console.log(`    join->frame ${join}  steps ${steps}  requests ${m.requests} keyframes ${m.keyframes}`);
    }
  }
  console.log(`  join -> first frame:       ${pair(runs.map((m) => m.frame - m.start))} ms`);
  console.log(`  connected -> first frame:  ${pair(runs.map((m) => m.frame - m.connected))} ms`);
  const phases = PHASES.map(([from, to, label]) => `${label} +${p50(runs.map((m) => m[to] - m[from])).toFixed(0)}`);
  console.log(`  phases, p50 of each step (ms): ${phases.join(', ')}`);
  const total = (key) => runs.reduce((sum, m) => sum + m[key], 0);
  console.log(
    `  at the publisher, per subscriber: ${(total('requests') / runs.length).toFixed(1)} keyframe ` +
      `requests (PLI/FIR), ${(total('keyframes') / runs.length).toFixed(1)} keyframes`,
  );
}

function ratio(key, vitrine, janus) {
  const v = vitrine.map(key);
  const j = janus.map(key);
  return `p50 ${(p50(v) / p50(j)).toFixed(2)}  max ${(Math.max(...v) / Math.max(...j)).toFixed(2)}`;
}

// ---- the run ----

async function main() {
  if (!BINARY) throw new Error('set VT_BINARY to the vitrine binary (e.g. build/vitrine)');
  const withJanus = existsSync(JANUS);
  if (!withJanus)
    console.log(`${JANUS} not found: measuring Vitrine alone (for Janus: apt-get install janus)`);
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`load average at start: ${load()}`);

  const dataDir = await mkdtemp(join(tmpdir(), 'vt-bench-janus-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const vitrine = new Server(dataDir, [`--web-dir=${PAGES}`, '--video-codecs=vp8']);
  cleanups.push(() => vitrine.stop());
  await vitrine.start();
  const cert = join(dataDir, 'tls', 'cert.pem');
  const key = join(dataDir, 'tls', 'key.pem');

  let janus = null;
  let pagesOrigin = null;
  if (withJanus) {
    const janusDir = await mkdtemp(join(tmpdir(), 'vt-bench-janus-conf-'));
    cleanups.push(() => rm(janusDir, { recursive: true, force: true }));
    janus = new Janus(janusDir, cert, key);
    cleanups.push(() => janus.stop());
    await janus.start();
    const pages = await servePages(cert, key);
    cleanups.push(() => new Promise((resolve) => pages.close(resolve)));
    pagesOrigin = `https://127.0.0.1:${pages.address().port}`;
  }

  // Playwright's own signal handlers would exit before Janus is stopped.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  cleanups.push(() => browser.close());

  // The publishers, one per server, for the whole run.
  const vitrinePage = `${vitrine.origin}/vitrine/index.html`;
  const pubToken = await vitrine.token('bench', 'customer', 'Publisher', 'publisher', ROOM);
  const pubUrl = `${vitrinePage}?role=publish#${encodeURIComponent(pubToken)}`;
  const publishers = {};
  publishers.Vitrine = (await openPage(browser, pubUrl, 'connected', 'Vitrine publisher')).page;
  let janusPage = null;
  if (janus) {
    janusPage = `${pagesOrigin}/janus/index.html?ws=${encodeURIComponent(janus.url)}`;
    const pub = await openPage(browser, `${janusPage}&role=publish`, 'connected', 'Janus publisher');
    publishers.Janus = pub.page;
    janusPage += `&feed=${pub.bench.feed}`;
  }
  await sleep(2_000); // encoders past their start

  const subscribers = {
    Vitrine: async (i) => {
      const token = await vitrine.token('bench', 'staff', `Sub ${i}`, `subscriber-${i}`, ROOM);
      const url = `${vitrinePage}?role=subscribe#${encodeURIComponent(token)}`;
      return subscribe(browser, publishers.Vitrine, url, `Vitrine subscriber ${i}`);
    },
    Janus: (i) =>
      subscribe(browser, publishers.Janus, `${janusPage}&role=subscribe`, `Janus subscriber ${i}`),
  };
  const order = janus ? ['Vitrine', 'Janus'] : ['Vitrine'];
  const runs = { Vitrine: [], Janus: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const name of i % 2 === 0 ? order : [...order].reverse()) {
      await sleep(PAUSE_MS);
      runs[name].push(await subscribers[name](i));
    }
  }

  console.log(`rounds: ${ROUNDS} (Chromium ${browser.version()}, fake devices, VP8 320x240, loopback)`);
  report('Vitrine', runs.Vitrine);
  if (janus) {
    report('Janus 1.1.2 VideoRoom', runs.Janus);
    console.log('Vitrine / Janus');
    const joinToFrame = ratio((m) => m.frame - m.start, runs.Vitrine, runs.Janus);
    const upToFrame = ratio((m) => m.frame - m.connected, runs.Vitrine, runs.Janus);
    console.log(`  join -> first frame:       ${joinToFrame}`);
    console.log(`  connected -> first frame:  ${upToFrame}`);
  }
  console.log(`load average at end: ${load()}`);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanUp);
