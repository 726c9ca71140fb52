// Shared by the browser tests: the real `vitrine serve` on loopback and the
// flags headless Chromium runs with.
import { execFile, spawn } from 'node:child_process';
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

  async token(store, role, name, sub = undefined, room = undefined) {
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
    const { stdout } = await run(BINARY, args);
    return stdout.trim();
  }
}

