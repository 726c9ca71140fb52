// What the pages of bench/browser-janus.mjs have in common: the camera they
// publish, and the moments they record for the script to read from
// window.__bench. Every moment is performance.now() of the page, in ms, so
// that the figures of one page need no clock but its own.
//
// A subscriber records: start (just before its signaling socket opens),
// open (socket open), offer (the server's SDP offer arrived), answered (its
// answer sent), iceConnected, connected (RTCPeerConnection.connectionState,
// DTLS included), track (the remote video track), frame (the first remote
// video frame rendered, by requestVideoFrameCallback). A publisher records
// the same names for its own connection, without track and frame.

export const bench = { marks: {}, errors: [], feed: null, offer: '' };
window.__bench = bench;

/** Records the first time `name` happens. */
export function mark(name) {
  if (bench.marks[name] === undefined) bench.marks[name] = performance.now();
}

export function fail(what) {
  bench.errors.push(String(what));
  document.getElementById('status').textContent = `error: ${what}`;
}

export function status(text) {
  document.getElementById('status').textContent = text;
}

/** The fake camera (320x240) and microphone, as the relay interop test uses. */
export function camera() {
  return navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
}

/** Puts VP8 first in the transceiver's codecs, so that both servers get VP8. */
export function preferVp8(transceiver) {
  const codecs = RTCRtpSender.getCapabilities('video').codecs;
  const vp8 = codecs.filter((c) => c.mimeType.toLowerCase() === 'video/vp8');
  transceiver.setCodecPreferences([...vp8, ...codecs.filter((c) => !vp8.includes(c))]);
}

/**
 * Lets the script read what the publisher's video sender has been asked and
 * has done so far: window.__bench.sent() gives {requests: PLIs + FIRs
 * received, keyframes: keyframes encoded}.
 */
export function exposeSent(pc) {
  bench.sent = async () => {
    const out = { requests: 0, keyframes: 0 };
    (await pc.getStats()).forEach((s) => {
      if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
      out.requests += (s.pliCount ?? 0) + (s.firCount ?? 0);
      out.keyframes += s.keyFramesEncoded ?? 0;
    });
    return out;
  };
}

/** Marks iceConnected and connected when `pc` gets there. */
export function watchConnection(pc) {
  pc.addEventListener('iceconnectionstatechange', () => {
    if (['connected', 'completed'].includes(pc.iceConnectionState)) mark('iceConnected');
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') mark('connected');
    if (pc.connectionState === 'failed') fail('peer connection failed');
  });
}

/** Shows what `pc` receives; marks track and the first rendered video frame. */
export function render(pc) {
  pc.addEventListener('track', ({ track, streams }) => {
    const element = document.createElement(track.kind);
    element.autoplay = true;
    element.muted = true;
    element.playsInline = true;
    element.srcObject = streams[0] ?? new MediaStream([track]);
    document.getElementById('media').append(element);
    if (track.kind !== 'video') return;
    mark('track');
    element.requestVideoFrameCallback((now) => {
      if (bench.marks.frame === undefined) bench.marks.frame = now;
      status('video');
    });
  });
}
