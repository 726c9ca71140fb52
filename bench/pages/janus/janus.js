// The Janus side of bench/browser-janus.mjs: the Janus API over a WebSocket
// (subprotocol "janus-protocol") to the VideoRoom plugin, room 1234.
//   ?role=publish&ws=URL: create a session, attach, join as publisher, then
//     configure with our offer (camera and microphone, VP8) and trickle; the
//     feed id is left in window.__bench.feed for the subscribers.
//   ?role=subscribe&ws=URL&feed=ID: create, attach, join as subscriber to
//     that feed, answer Janus' offer with "start", trickle.
import {
  bench,
  camera,
  exposeSent,
  fail,
  mark,
  preferVp8,
  render,
  status,
  watchConnection,
} from '../bench.js';

const ROOM = 1234;
const params = new URLSearchParams(location.search);
const role = params.get('role');
const pending = new Map();
let nextTransaction = 1;
let session = null;
let handle = null;

mark('start');
const ws = new WebSocket(params.get('ws'), 'janus-protocol');

/**
 * Sends a Janus request; resolves with its outcome: "success" for
 * synchronous requests, the plugin's "event" for asynchronous ones (whose
 * "ack" is skipped). Rejects on "error" or a plugin error.
 */
function call(request) {
  const transaction = String(nextTransaction++);
  const ids = {};
  if (session !== null) ids.session_id = session;
  if (handle !== null && request.janus !== 'attach') ids.handle_id = handle;
  ws.send(JSON.stringify({ ...request, ...ids, transaction }));
  return new Promise((resolve, reject) => pending.set(transaction, { resolve, reject }));
}

/** Sends a request whose answer is only an "ack" (trickle, keepalive). */
function tell(request) {
  const msg = { ...request, session_id: session, transaction: String(nextTransaction++) };
  if (request.janus !== 'keepalive') msg.handle_id = handle;
  ws.send(JSON.stringify(msg));
}

ws.onmessage = ({ data }) => {
  const msg = JSON.parse(data);
  const waiting = pending.get(msg.transaction);
  if (msg.janus === 'ack') return;
  if (msg.janus === 'hangup' || msg.janus === 'detached') fail(`janus ${msg.janus}: ${msg.reason ?? ''}`);
  if (!waiting) return;
  pending.delete(msg.transaction);
  const pluginError = msg.plugindata?.data?.error;
  if (msg.janus === 'error' || pluginError) waiting.reject(new Error(JSON.stringify(msg.error ?? pluginError)));
  else waiting.resolve(msg);
};
ws.onclose = (event) => fail(`socket closed ${event.code}`);

function newConnection() {
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) {
      const { candidate: line, sdpMid, sdpMLineIndex } = candidate;
      tell({ janus: 'trickle', candidate: { candidate: line, sdpMid, sdpMLineIndex } });
    } else {
      tell({ janus: 'trickle', candidate: { completed: true } });
    }
  };
  watchConnection(pc);
  return pc;
}

async function publish() {
  const joined = await call({
    janus: 'message',
    body: { request: 'join', ptype: 'publisher', room: ROOM, display: 'bench publisher' },
  });
  bench.feed = joined.plugindata.data.id;
  const stream = await camera();
  const pc = newConnection();
  for (const track of stream.getTracks()) {
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
    if (track.kind === 'video') preferVp8(transceiver);
  }
  exposeSent(pc);
  await pc.setLocalDescription(await pc.createOffer());
  const reply = await call({
    janus: 'message',
    body: { request: 'configure', audio: true, video: true },
    jsep: { type: 'offer', sdp: pc.localDescription.sdp },
  });
  mark('answered');
  await pc.setRemoteDescription(reply.jsep);
}

async function subscribe() {
  const attached = await call({
    janus: 'message',
    body: { request: 'join', ptype: 'subscriber', room: ROOM, streams: [{ feed: Number(params.get('feed')) }] },
  });
  mark('offer');
  bench.offer = attached.jsep.sdp;
  const pc = newConnection();
  render(pc);
  await pc.setRemoteDescription(attached.jsep);
  await pc.setLocalDescription(await pc.createAnswer());
  const started = call({
    janus: 'message',
    body: { request: 'start' },
    jsep: { type: 'answer', sdp: pc.localDescription.sdp },
  });
  mark('answered');
  await started;
}

ws.onopen = async () => {
  mark('open');
  try {
    session = (await call({ janus: 'create' })).data.id;
    // The session lives while it hears from us at least once a minute.
    setInterval(() => tell({ janus: 'keepalive' }), 20_000);
    handle = (await call({ janus: 'attach', plugin: 'janus.plugin.videoroom' })).data.id;
    status('attached');
    await (role === 'publish' ? publish() : subscribe());
  } catch (error) {
    fail(error);
  }
};

bench.role = role;
