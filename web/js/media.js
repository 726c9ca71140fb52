// A participant's media in a call (docs/protocol.md, section 8): one
// RTCPeerConnection publishes our camera and microphone (we offer, the relay
// answers), another receives everyone else's tracks (the relay offers, we
// answer).
//
// The relay keeps a participant's media only as long as their socket: after
// the socket reconnects the server has forgotten it, so both connections start
// again. A connection whose ICE fails, or stays disconnected for a few
// seconds, starts again by itself (publish: a new offer; receive:
// subscribe_restart), so that a phone that changes networks gets its picture
// back while the socket lives.
//
// Events (CustomEvent detail):
//   remote  Map participant id -> {stream, audio, video}: the tracks we
//           receive, whenever that set changes
//   state   {publish, subscribe}: 'idle' | 'connecting' | 'connected' |
//           'reconnecting' for each connection
//   problem {pc, message}: the relay refused something (shown to people only
//           when nothing recovers)

import { growWhenReady, startEncodings } from './fast-start.js';

const DISCONNECTED_GRACE_MS = 4000; // ICE often recovers by itself before this

/** The value of the first `a=name:` line of an SDP (session or media level). */
function sdpAttribute(sdp, name) {
  const line = sdp.split(/\r?\n/).find((l) => l.startsWith(`a=${name}:`));
  return line ? line.slice(name.length + 3).trim() : null;
}

/** mid -> participant id, from the a=mid and a=msid lines of each m-line. */
function msidByMid(sdp) {
  const map = new Map();
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const mid = sdpAttribute(section, 'mid');
    const msid = sdpAttribute(section, 'msid');
    if (mid !== null && msid) map.set(mid, msid.split(' ')[0]);
  }
  return map;
}

export class MediaCall extends EventTarget {
  #client;
  #iceServers = [];
  #tracks = { audio: null, video: null }; // what we send now (null: nothing)
  #published = new Set(); // kinds the publish connection has a sender for
  #pub = null;
  #publishRef = null; // the ref of our latest publish_offer
  #publishCount = 0;
  #publishQueued = false;
  #stopGrowing = null; // fast-start.js's watch of the publish connection
  #sub = null;
  #subUfrag = null; // the relay's ICE ufrag of the receive connection
  #subChain = Promise.resolve();
  #retiredUfrags = new Set(); // of receive connections we gave up on
  #owners = new Map(); // mid -> participant id, from the latest offer
  #state = { publish: 'idle', subscribe: 'idle' };
  #graceTimers = { publish: 0, subscribe: 0 };
  #active = false;
  #off = [];

  constructor(client) {
    super();
    this.#client = client;
    this.#off = [
      client.on('joined', (msg) => {
        this.#iceServers = Array.isArray(msg.ice_servers) ? msg.ice_servers : [];
        if (msg.state !== 'room') this.stop();
      }),
      // A room message follows every (re)join into a room: the relay has no
      // media of ours then, whatever we had before.
      client.on('room', () => this.#begin()),
      client.on('publish_answer', (msg) => this.#onPublishAnswer(msg)),
      client.on('subscribe_offer', (msg) => this.#queueOffer(msg.sdp)),
      client.on('media_state', (msg) => this.#onMediaState(msg)),
      client.on('error', (msg) => this.#onError(msg)),
      client.on('status', ({ state }) => {
        if (state === 'reconnecting') this.#pause();
      }),
      client.on('finished', () => this.stop()),
    ];
  }

  get state() {
    return { ...this.#state };
  }

  /** The peer connections, for statistics: {publish, subscribe} (either may be null). */
  get connections() {
    return { publish: this.#pub, subscribe: this.#sub };
  }

  /**
   * Sends this track for its kind (null sends nothing). A kind the publish
   * connection has no sender for yet needs a new offer; otherwise the track
   * is swapped in place and the other side notices nothing but the picture.
   */
  async setTrack(kind, track) {
    this.#tracks[kind] = track;
    if (!this.#active) return;
    if (track && (!this.#pub || !this.#published.has(kind))) {
      this.#publishSoon();
      return;
    }
    if (!this.#pub) return;
    // Our publish connection has only our own send-only transceivers.
    const transceiver = this.#pub.getTransceivers().find((t) => t.receiver.track.kind === kind);
    if (transceiver) await transceiver.sender.replaceTrack(track);
  }

  /** Ends both connections and forgets the call (the page left the room). */
  stop() {
    this.#active = false;
    this.#closePublish();
    this.#closeSubscribe();
    this.#setState('publish', 'idle');
    this.#setState('subscribe', 'idle');
    this.#emitRemote();
  }

  /** Stops listening to the client for good. */
  destroy() {
    this.stop();
    for (const off of this.#off) off();
    this.#off = [];
  }

  // ---- lifecycle ----

  #begin() {
    this.#active = true;
    this.#closeSubscribe();
    this.#emitRemote();
    this.#setState('subscribe', 'connecting');
    this.#publish();
  }

  // The socket dropped: the relay will drop our media with it. Keep showing
  // the last picture as "reconnecting" until the room comes back.
  #pause() {
    if (!this.#active) return;
    for (const pc of ['publish', 'subscribe']) {
      if (this.#state[pc] !== 'idle') this.#setState(pc, 'reconnecting');
    }
  }

  #setState(pc, state) {
    if (this.#state[pc] === state) return;
    this.#state[pc] = state;
    this.#emit('state', this.state);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #newConnection(name) {
    const pc = new RTCPeerConnection({ iceServers: this.#iceServers, bundlePolicy: 'max-bundle' });
    pc.onicecandidate = ({ candidate }) => {
      const msg = { type: 'ice', pc: name, candidate: candidate ? candidate.candidate : '' };
      if (candidate?.sdpMid != null) msg.sdp_mid = candidate.sdpMid;
      if (candidate?.sdpMLineIndex != null) msg.sdp_mline_index = candidate.sdpMLineIndex;
      this.#client.send(msg);
    };
    pc.onconnectionstatechange = () => this.#watch(name, pc);
    return pc;
  }

  // Connected, or started again after failing or staying disconnected.
  #watch(name, pc) {
    if (pc !== (name === 'publish' ? this.#pub : this.#sub)) return;
    clearTimeout(this.#graceTimers[name]);
    const state = pc.connectionState;
    if (state === 'connected') this.#setState(name, 'connected');
    else if (state === 'failed') this.#restart(name);
    else if (state === 'disconnected') {
      this.#setState(name, 'reconnecting');
      this.#graceTimers[name] = setTimeout(() => this.#restart(name), DISCONNECTED_GRACE_MS);
    }
  }

  #restart(name) {
    if (!this.#active || this.#client.state !== 'connected') return;
    this.#setState(name, 'reconnecting');
    if (name === 'publish') {
      this.#publish();
    } else {
      this.#closeSubscribe();
      this.#client.send({ type: 'subscribe_restart', ref: 'subscribe_restart' });
    }
  }

  // ---- publishing ----

  // Tracks set one after the other (camera, then microphone) make one offer.
  #publishSoon() {
    if (this.#publishQueued) return;
    this.#publishQueued = true;
    queueMicrotask(() => {
      this.#publishQueued = false;
      this.#publish();
    });
  }

  #publish() {
    this.#publishQueued = false;
    this.#closePublish();
    const kinds = ['audio', 'video'].filter((k) => this.#tracks[k]);
    if (!this.#active || kinds.length === 0) {
      this.#setState('publish', 'idle');
      return;
    }
    const pc = this.#newConnection('publish');
    this.#pub = pc;
    for (const kind of kinds) {
      const track = this.#tracks[kind];
      const sendEncodings = kind === 'video' ? startEncodings(track) : undefined;
      const { sender } = pc.addTransceiver(track, { direction: 'sendonly', sendEncodings });
      if (sendEncodings) this.#stopGrowing = growWhenReady(pc, sender);
      this.#published.add(kind);
    }
    if (this.#state.publish !== 'reconnecting') this.#setState('publish', 'connecting');
    pc.createOffer()
      .then((offer) => pc.setLocalDescription(offer))
      .then(() => {
        if (pc !== this.#pub) return;
        this.#publishRef = `publish:${++this.#publishCount}`;
        this.#client.send({
          type: 'publish_offer',
          sdp: pc.localDescription.sdp,
          ref: this.#publishRef,
        });
      })
      .catch((error) => this.#emit('problem', { pc: 'publish', message: String(error) }));
  }

  #onPublishAnswer(msg) {
    const pc = this.#pub;
    // An answer to an offer we have since replaced is of no use.
    if (!pc || msg.ref !== this.#publishRef || pc.signalingState !== 'have-local-offer') return;
    pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp }).catch((error) =>
      this.#emit('problem', { pc: 'publish', message: String(error) }),
    );
  }

  #closePublish() {
    clearTimeout(this.#graceTimers.publish);
    this.#stopGrowing?.();
    this.#stopGrowing = null;
    if (this.#pub) {
      this.#pub.onconnectionstatechange = this.#pub.onicecandidate = null;
      this.#pub.close();
    }
    this.#pub = null;
    this.#published.clear();
  }

  // ---- receiving ----

  // Offers are answered one at a time, in order.
  #queueOffer(sdp) {
    this.#subChain = this.#subChain
      .then(() => this.#answer(sdp))
      .catch((error) => this.#emit('problem', { pc: 'subscribe', message: String(error) }));
  }

  // An offer with new ICE credentials is a new connection on the relay's side
  // (after a rejoin or a subscribe_restart); one with the credentials of a
  // connection we gave up on is stale and is dropped.
  async #answer(sdp) {
    if (!this.#active) return;
    const ufrag = sdpAttribute(sdp, 'ice-ufrag');
    if (ufrag !== this.#subUfrag) {
      if (this.#retiredUfrags.has(ufrag)) return;
      this.#closeSubscribe();
      this.#sub = this.#newConnection('subscribe');
      this.#sub.ontrack = () => this.#emitRemote();
      this.#subUfrag = ufrag;
    }
    const pc = this.#sub;
    this.#owners = msidByMid(sdp);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc !== this.#sub) return;
    this.#client.send({ type: 'subscribe_answer', sdp: pc.localDescription.sdp });
    this.#emitRemote();
  }

  #closeSubscribe() {
    clearTimeout(this.#graceTimers.subscribe);
    if (this.#sub) {
      this.#sub.onconnectionstatechange = this.#sub.onicecandidate = this.#sub.ontrack = null;
      this.#sub.close();
    }
    if (this.#subUfrag) this.#retiredUfrags.add(this.#subUfrag);
    this.#sub = null;
    this.#subUfrag = null;
    this.#owners = new Map();
  }

  /** Who sends what to us now, by participant. */
  remoteTracks() {
    const out = new Map();
    if (!this.#sub) return out;
    for (const t of this.#sub.getTransceivers()) {
      const owner = this.#owners.get(t.mid);
      const live = t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv';
      if (!owner || !live) continue;
      const entry = out.get(owner) ?? { audio: null, video: null };
      entry[t.receiver.track.kind] = t.receiver.track;
      out.set(owner, entry);
    }
    return out;
  }

  #emitRemote() {
    this.#emit('remote', this.remoteTracks());
  }

  // ---- what the server says ----

  #onMediaState(msg) {
    if (msg.pc !== 'publish' && msg.pc !== 'subscribe') return;
    if (msg.state === 'connected') this.#setState(msg.pc, 'connected');
    else if (msg.state === 'failed') this.#restart(msg.pc);
  }

  #onError(msg) {
    if (msg.code === 'bad_sdp' || msg.code === 'not_available') {
      this.#emit('problem', { pc: msg.pc ?? 'publish', message: msg.message ?? msg.code });
    }
  }
}
