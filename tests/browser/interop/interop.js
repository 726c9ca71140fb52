// The browser side of the relay interop test: the protocol of docs/protocol.md
// section 8 with two RTCPeerConnections, publish (we offer) and subscribe (the
// relay offers). The token comes in the URL fragment.
const token = decodeURIComponent(location.hash.slice(1));
const codec = new URLSearchParams(location.search).get('codec') ?? 'vp8';
const errors = [];
const ws = new WebSocket(`wss://${location.host}/ws`);
let pub = null;
let sub = null;
let subChain = Promise.resolve();

function send(msg) {
  ws.send(JSON.stringify(msg));
}

function status(text) {
  document.getElementById('status').textContent = text;
}

function trickle(pc, name) {
  pc.onicecandidate = ({ candidate }) => {
    const msg = { type: 'ice', pc: name, candidate: candidate ? candidate.candidate : '' };
    if (candidate && candidate.sdpMid !== null) msg.sdp_mid = candidate.sdpMid;
    if (candidate && candidate.sdpMLineIndex !== null) msg.sdp_mline_index = candidate.sdpMLineIndex;
    send(msg);
  };
}

// Offers the test's codec first, so that the relay picks it.
function preferCodec(transceiver) {
  const codecs = RTCRtpSender.getCapabilities('video').codecs;
  const wanted = codecs.filter((c) => c.mimeType.toLowerCase() === `video/${codec}`);
  if (wanted.length === 0) throw new Error(`this browser cannot send ${codec}`);
  transceiver.setCodecPreferences([...wanted, ...codecs.filter((c) => !wanted.includes(c))]);
}

async function publish() {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 320, height: 240 },
    audio: true,
  });
  pub = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  trickle(pub, 'publish');
  for (const track of stream.getTracks()) {
    const transceiver = pub.addTransceiver(track, { direction: 'sendonly' });
    if (track.kind === 'video') preferCodec(transceiver);
  }
  await pub.setLocalDescription(await pub.createOffer());
  send({ type: 'publish_offer', sdp: pub.localDescription.sdp, ref: 'po' });
}

async function answerSubscribe(sdp) {
  if (!sub) {
    sub = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    trickle(sub, 'subscribe');
    sub.ontrack = ({ track, streams }) => {
      const element = document.createElement(track.kind);
      element.autoplay = true;
      element.muted = true;
      element.playsInline = true;
      element.srcObject = streams[0] ?? new MediaStream([track]);
      document.getElementById('videos').append(element);
    };
  }
  await sub.setRemoteDescription({ type: 'offer', sdp });
  await sub.setLocalDescription(await sub.createAnswer());
  send({ type: 'subscribe_answer', sdp: sub.localDescription.sdp });
}

ws.onopen = () => send({ type: 'join', token, ref: 'j' });
ws.onclose = (event) => errors.push(`socket closed ${event.code}`);
ws.onmessage = async ({ data }) => {
  const msg = JSON.parse(data);
  try {
    if (msg.type === 'joined') {
      status('joined');
      await publish();
    } else if (msg.type === 'publish_answer') {
      await pub.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
    } else if (msg.type === 'subscribe_offer') {
      subChain = subChain.then(() => answerSubscribe(msg.sdp));
      await subChain;
    } else if (msg.type === 'error' || (msg.type === 'media_state' && msg.state === 'failed')) {
      errors.push(JSON.stringify(msg));
    } else if (msg.type === 'media_state') {
      status(`${msg.pc} ${msg.state}`);
    }
  } catch (error) {
    errors.push(`${msg.type}: ${error}`);
  }
};

async function report(pc) {
  const out = [];
  if (!pc) return out;
  (await pc.getStats()).forEach((s) => {
    if (['inbound-rtp', 'outbound-rtp', 'codec'].includes(s.type)) out.push({ ...s });
  });
  return out;
}

window.vt = {
  errors,
  async stats() {
    return { publish: await report(pub), subscribe: await report(sub), errors };
  },
};
