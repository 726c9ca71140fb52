// The Vitrine side of bench/browser-janus.mjs: docs/protocol.md section 8,
// one RTCPeerConnection per page. ?role=publish joins and publishes the
// camera (we offer); ?role=subscribe joins and answers the relay's
// subscribe offer. The token comes in the URL fragment.
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

const role = new URLSearchParams(location.search).get('role');
const token = decodeURIComponent(location.hash.slice(1));
const pcName = role === 'publish' ? 'publish' : 'subscribe';
let pc = null;
let chain = Promise.resolve();

mark('start');
const ws = new WebSocket(`wss://${location.host}/ws`);

function send(msg) {
  ws.send(JSON.stringify(msg));
}

function newConnection() {
  const created = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  created.onicecandidate = ({ candidate }) => {
    const msg = { type: 'ice', pc: pcName, candidate: candidate ? candidate.candidate : '' };
    if (candidate && candidate.sdpMid !== null) msg.sdp_mid = candidate.sdpMid;
    if (candidate && candidate.sdpMLineIndex !== null) msg.sdp_mline_index = candidate.sdpMLineIndex;
    send(msg);
  };
  watchConnection(created);
  return created;
}

async function publish() {
  const stream = await camera();
  pc = newConnection();
  for (const track of stream.getTracks()) {
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
    if (track.kind === 'video') preferVp8(transceiver);
  }
  exposeSent(pc);
  await pc.setLocalDescription(await pc.createOffer());
  send({ type: 'publish_offer', sdp: pc.localDescription.sdp, ref: 'po' });
}

async function answer(sdp) {
  mark('offer');
  bench.offer = sdp;
  if (!pc) {
    pc = newConnection();
    render(pc);
  }
  await pc.setRemoteDescription({ type: 'offer', sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  send({ type: 'subscribe_answer', sdp: pc.localDescription.sdp });
  mark('answered');
}

ws.onopen = () => {
  mark('open');
  send({ type: 'join', token, ref: 'j' });
};
ws.onclose = (event) => fail(`socket closed ${event.code}`);
ws.onmessage = async ({ data }) => {
  const msg = JSON.parse(data);
  try {
    if (msg.type === 'joined') {
      status('joined');
      if (role === 'publish') await publish();
    } else if (msg.type === 'publish_answer') {
      mark('answered');
      await pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
    } else if (msg.type === 'subscribe_offer' && role === 'subscribe') {
      chain = chain.then(() => answer(msg.sdp));
      await chain;
    } else if (msg.type === 'error' || (msg.type === 'media_state' && msg.state === 'failed')) {
      fail(JSON.stringify(msg));
    } else if (msg.type === 'media_state') {
      status(`${msg.pc} ${msg.state}`);
    }
  } catch (error) {
    fail(`${msg.type}: ${error}`);
  }
};

bench.role = role;
