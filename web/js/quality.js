// Call quality from getStats(): what each direction carries (resolution,
// frame rate, bitrate, packet loss, round-trip time), and whether a received
// video has stalled. A Quality object samples a MediaCall's two connections
// once a second and emits 'sample' with the summary below.
//
//   {send: {video, audio}, receive: Map trackId -> {kind, ...}, at}
//   each direction: {width, height, fps, kbps, lossPct, rttMs, frames}

const PERIOD_MS = 1000;
const STALL_MS = 3000; // no new frame for this long while packets should flow

function rate(now, before, key, at, beforeAt) {
  if (!before || now[key] === undefined || before[key] === undefined) return null;
  const seconds = (at - beforeAt) / 1000;
  return seconds > 0 ? (now[key] - before[key]) / seconds : null;
}

function lossPct(lost, received) {
  const total = (lost ?? 0) + (received ?? 0);
  return total > 0 ? (100 * Math.max(0, lost ?? 0)) / total : null;
}

async function report(pc) {
  if (!pc || pc.connectionState === 'closed') return [];
  try {
    const out = [];
    (await pc.getStats()).forEach((s) => out.push(s));
    return out;
  } catch {
    return [];
  }
}

/** Round-trip time of the connection's selected candidate pair, in ms. */
function pairRtt(stats) {
  const pair = stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
  return pair?.currentRoundTripTime !== undefined ? Math.round(pair.currentRoundTripTime * 1000) : null;
}

export class Quality extends EventTarget {
  #call;
  #timer = 0;
  #previous = new Map(); // stats id -> {stats, at}
  #frames = new Map(); // trackId -> {count, at}: framesDecoded, and when it last grew
  #latest = null;

  constructor(call) {
    super();
    this.#call = call;
  }

  start() {
    if (!this.#timer) this.#timer = setInterval(() => this.sample(), PERIOD_MS);
  }

  stop() {
    clearInterval(this.#timer);
    this.#timer = 0;
    this.#previous.clear();
    this.#frames.clear();
  }

  get latest() {
    return this.#latest;
  }

  async sample() {
    const { publish, subscribe } = this.#call.connections;
    const [sent, received] = await Promise.all([report(publish), report(subscribe)]);
    const at = performance.now();
    const summary = { send: {}, receive: new Map(), at };
    const sendRtt = pairRtt(sent);
    for (const s of sent) {
      if (s.type !== 'outbound-rtp' || !s.kind) continue;
      const remote = sent.find((r) => r.type === 'remote-inbound-rtp' && r.localId === s.id);
      summary.send[s.kind] = {
        ...this.#direction(s, at, 'bytesSent', 'framesEncoded'),
        lossPct: remote ? (remote.fractionLost ?? 0) * 100 : null,
        rttMs: remote?.roundTripTime !== undefined ? Math.round(remote.roundTripTime * 1000) : sendRtt,
      };
    }
    const receiveRtt = pairRtt(received);
    for (const s of received) {
      if (s.type !== 'inbound-rtp' || !s.kind || !s.trackIdentifier) continue;
      const entry = {
        kind: s.kind,
        ...this.#direction(s, at, 'bytesReceived', 'framesDecoded'),
        lossPct: lossPct(s.packetsLost, s.packetsReceived),
        rttMs: receiveRtt,
        packets: s.packetsReceived ?? 0,
        samples: s.totalSamplesReceived ?? 0,
      };
      entry.stalled = this.#stalled(s, at);
      summary.receive.set(s.trackIdentifier, entry);
    }
    this.#latest = summary;
    this.dispatchEvent(new CustomEvent('sample', { detail: summary }));
    return summary;
  }

  #direction(s, at, bytesKey, framesKey) {
    const before = this.#previous.get(s.id);
    this.#previous.set(s.id, { stats: s, at });
    const bps = rate(s, before?.stats, bytesKey, at, before?.at);
    return {
      width: s.frameWidth ?? null,
      height: s.frameHeight ?? null,
      fps: s.framesPerSecond ?? rate(s, before?.stats, framesKey, at, before?.at),
      kbps: bps === null ? null : Math.round((bps * 8) / 1000),
      frames: s[framesKey] ?? 0,
    };
  }

  // A video whose decoded frame count has not grown for STALL_MS.
  #stalled(s, at) {
    if (s.kind !== 'video') return false;
    const count = s.framesDecoded ?? 0;
    const last = this.#frames.get(s.trackIdentifier);
    if (!last || count > last.count) {
      this.#frames.set(s.trackIdentifier, { count, at });
      return false;
    }
    return at - last.at >= STALL_MS;
  }
}

/** "1280×720 · 30 fps · 1,450 kbit/s · 0.2 % lost · 38 ms" parts, for a table. */
export function describe(d) {
  if (!d) return null;
  // A figure and its unit stay on one line in a narrow table.
  const n = (x, unit, digits = 0) => (x === null || x === undefined ? '–' : `${x.toFixed(digits)}\u00a0${unit}`);
  return {
    resolution: d.width && d.height ? `${d.width}×${d.height}` : '–',
    fps: n(d.fps === null || d.fps === undefined ? null : Math.round(d.fps), 'fps'),
    bitrate: d.kbps === null ? '–' : `${d.kbps.toLocaleString()}\u00a0kbit/s`,
    loss: n(d.lossPct, '%', 1),
    rtt: n(d.rttMs, 'ms'),
  };
}
