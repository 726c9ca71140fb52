// The browser's side of the signaling protocol (docs/protocol.md; the server's
// signaling/protocol.c and messages.c are the reference).
//
// A Signaling object owns one logical session: it opens the WebSocket, sends
// join with the token, and after an unexpected close opens a new socket and
// joins again (1 s, 2 s, 4 s ... at most 10 s apart), with last_chat_id so
// that chat history resumes where it stopped. It does not reconnect after the
// server refused the token (close 4001), after another tab took the session
// over (4002), after a message too large (1009, a bug to fix first), when the
// server speaks another protocol version, or once a customer's call is over
// (call_ended, removed, left, and the errors removed and room_ended).
//
// Every server message is re-emitted as an event named after its type, with
// the parsed message as event.detail. On top of that it emits:
//   status    {state, retryInMs, attempt}: 'idle' | 'connecting' | 'connected'
//             | 'reconnecting' | 'closed'
//   message   one chat message, once per server id, whether it came live or
//             in a chat_history batch (chat_history itself is re-emitted too)
//   outbox    the chat messages sent but not yet confirmed by the server
//   finished  {why, code}: the session is over and will not reconnect; why is
//             'auth_failed', 'replaced', 'too_large', 'unsupported_protocol',
//             'call_ended', 'removed', 'left', or what stop() was given
//
// Chat messages carry a client_id; until the server echoes that client_id
// back they stay in the outbox and are sent again after a reconnect (the
// server stores each client_id once).

const BACKOFF_MS = [1000, 2000, 4000, 8000, 10000];
const HEARTBEAT_MS = 20000; // a ping this often while connected ...
const HEARTBEAT_GRACE_MS = 10000; // ... and the socket is dead without a reply by then
const RESEND_MS = 1000; // after the server dropped or could not store a chat message

const PROTOCOL = 1; // the protocol version this client speaks (hello.protocol)
const CLOSE_TOO_LARGE = 1009;
const CLOSE_AUTH_FAILED = 4001;
const CLOSE_REPLACED = 4002;
// Closes after which joining again cannot help (docs/protocol.md, 9.2).
const FINAL_CLOSES = {
  [CLOSE_TOO_LARGE]: 'too_large',
  [CLOSE_AUTH_FAILED]: 'auth_failed',
  [CLOSE_REPLACED]: 'replaced',
};

export function defaultUrl() {
  const scheme = location.protocol === 'http:' ? 'ws:' : 'wss:';
  return `${scheme}//${location.host}/ws`;
}

function newClientId() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; the app is only served over HTTPS,
  // so this fallback only matters for odd embeddings.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Signaling extends EventTarget {
  #token;
  #url;
  #topic = null;
  #ws = null;
  #state = 'idle';
  #attempt = 0;
  #retryTimer = 0;
  #resendTimer = 0;
  #heartbeatTimer = 0;
  #deadlineTimer = 0;
  #stopped = false;
  #self = null; // joined.participant
  #store = null;
  #place = null; // joined.state: 'lobby' | 'console' | 'room'
  #roomId = null;
  #lastChatId = null; // highest chat id seen in the current room
  #seen = new Set(); // chat ids already emitted (current room)
  #outbox = new Map(); // client_id -> {client_id, text, queued_at}
  #media = null; // what we send: {audio, video}, told to the room
  #peerMedia = new Map(); // participant id -> {audio, video}, as they told
  #onOnline = () => this.#reconnectNow();

  /** @param {string} token  @param {{url?: string, topic?: string}} options */
  constructor(token, options = {}) {
    super();
    this.#token = token;
    this.#url = options.url ?? defaultUrl();
    this.#topic = options.topic ?? null;
  }

  get state() {
    return this.#state;
  }

  /** joined.participant: {id, name, role}; null before the first join. */
  get self() {
    return this.#self;
  }

  get store() {
    return this.#store;
  }

  /** Where the server put us: 'lobby', 'console', 'room', or 'ended'. */
  get place() {
    return this.#place;
  }

  get roomId() {
    return this.#roomId;
  }

  /** Chat messages not yet confirmed, oldest first. */
  get outbox() {
    return [...this.#outbox.values()];
  }

  get isStaff() {
    return this.#self?.role === 'staff';
  }

  /** Subscribes to one event; the callback gets event.detail. Returns an unsubscribe function. */
  on(type, callback) {
    const listener = (event) => callback(event.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  /** Opens the session. topic only matters to customers who wait in the lobby. */
  start(topic = this.#topic) {
    this.#topic = topic;
    this.#stopped = false;
    this.#attempt = 0;
    addEventListener('online', this.#onOnline);
    this.#open('connecting');
  }

  /** Ends the session for good (no reconnect); the socket closes normally. */
  stop(why = 'stopped') {
    if (!this.#stopped) this.#finish(why);
  }

  /** Sends one message when the socket is open; returns whether it went out. */
  send(message) {
    if (!this.#ws || this.#ws.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify(message));
    return true;
  }

  /** Queues a chat message and sends it when in a room; returns its client_id. */
  sendChat(text) {
    const entry = { client_id: newClientId(), text, queued_at: Date.now() };
    this.#outbox.set(entry.client_id, entry);
    this.#emit('outbox', this.outbox);
    if (this.#place === 'room' && this.#state === 'connected') this.#sendChatEntry(entry);
    return entry.client_id;
  }

  /**
   * Tells the room whether we send our microphone and camera, now and after
   * every reconnect, so that a camera turned off reads as such and not as a
   * stalled picture.
   */
  setSending(audio, video) {
    this.#media = { audio: Boolean(audio), video: Boolean(video) };
    this.#tellSending();
  }

  /** What a participant said they send: {audio, video}, or null if they did not say. */
  mediaOf(participantId) {
    return this.#peerMedia.get(participantId) ?? null;
  }

  // Requests carry their type as ref, so that an error names what it answers.
  accept(participantId) {
    return this.send({ type: 'accept', participant: participantId, ref: 'accept' });
  }

  remove(participantId) {
    return this.send({ type: 'remove', participant: participantId, ref: 'remove' });
  }

  endCall() {
    return this.send({ type: 'end_call', ref: 'end_call' });
  }

  leave() {
    return this.send({ type: 'leave', ref: 'leave' });
  }

  // ---- the socket ----

  #open(state) {
    this.#setState(state);
    let ws;
    try {
      ws = new WebSocket(this.#url);
    } catch (error) {
      this.#emit('client_error', { message: String(error) });
      this.#scheduleReconnect();
      return;
    }
    this.#ws = ws;
    ws.onopen = () => this.#sendJoin();
    ws.onmessage = (event) => this.#receive(event.data);
    ws.onclose = (event) => this.#closed(ws, event.code, event.reason);
    // onerror is always followed by onclose, which decides what happens next.
  }

  #sendJoin() {
    const join = { type: 'join', token: this.#token };
    if (this.#topic) join.topic = this.#topic;
    if (this.#roomId !== null && this.#lastChatId !== null) join.last_chat_id = this.#lastChatId;
    this.send(join);
    this.#startHeartbeat();
  }

  #closed(ws, code, reason) {
    if (ws !== this.#ws) return; // an older socket we already gave up on
    this.#ws = null;
    this.#stopHeartbeat();
    if (this.#stopped) return;
    if (FINAL_CLOSES[code]) {
      this.#finish(FINAL_CLOSES[code], code);
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect() {
    const delay = BACKOFF_MS[Math.min(this.#attempt, BACKOFF_MS.length - 1)];
    this.#attempt++;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#open('reconnecting'), delay);
    this.#setState('reconnecting', { retryInMs: delay });
  }

  // The browser says the network is back: skip the rest of the backoff.
  #reconnectNow() {
    if (this.#stopped || this.#ws || this.#state !== 'reconnecting') return;
    clearTimeout(this.#retryTimer);
    this.#open('reconnecting');
  }

  // A socket can die silently (a phone changing networks); pings find out.
  #startHeartbeat() {
    this.#stopHeartbeat();
    this.#heartbeatTimer = setInterval(() => {
      if (!this.send({ type: 'ping' })) return;
      clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = setTimeout(() => this.#abandonSocket(), HEARTBEAT_GRACE_MS);
    }, HEARTBEAT_MS);
  }

  #stopHeartbeat() {
    clearInterval(this.#heartbeatTimer);
    clearTimeout(this.#deadlineTimer);
  }

  #abandonSocket() {
    const ws = this.#ws;
    if (!ws) return;
    ws.onclose = ws.onmessage = ws.onopen = null;
    ws.close();
    this.#closed(ws, 1006, 'no answer');
  }

  #finish(why, code) {
    this.#stopped = true;
    removeEventListener('online', this.#onOnline);
    clearTimeout(this.#retryTimer);
    this.#stopHeartbeat();
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      ws.onclose = ws.onmessage = null;
      if (ws.readyState <= WebSocket.OPEN) ws.close(1000, why);
    }
    this.#setState('closed');
    this.#emit('finished', { why, code });
  }

  #setState(state, extra = {}) {
    this.#state = state;
    this.#emit('status', { state, attempt: this.#attempt, ...extra });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // ---- incoming messages ----

  #receive(data) {
    clearTimeout(this.#deadlineTimer);
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!msg || typeof msg.type !== 'string') return;
    // The handler updates our own state first, so that listeners of the event
    // see it; it returns why the session is over, if it is.
    const handler = this.#handlers[msg.type];
    const over = handler ? handler.call(this, msg) : null;
    this.#emit(msg.type, msg);
    if (over) this.#finish(over);
  }

  // Per message type; `this` is the Signaling object.
  #handlers = {
    hello(msg) {
      return msg.protocol === PROTOCOL ? null : 'unsupported_protocol';
    },
    joined(msg) {
      const wasInRoom = this.#roomId !== null;
      this.#self = msg.participant;
      this.#store = msg.store;
      this.#place = msg.state;
      this.#attempt = 0;
      if (msg.state !== 'room') this.#leaveRoomState();
      this.#setState('connected');
      // The call ended while we were away, and the server, not knowing us
      // any more, put us back in line. Someone who was in a call did not ask
      // to queue again; closing the socket takes us out of the lobby.
      if (wasInRoom && msg.state === 'lobby') return 'call_ended';
      return null;
    },
    room(msg) {
      if (this.#roomId !== msg.room.id) this.#leaveRoomState();
      this.#roomId = msg.room.id;
      this.#place = 'room';
      this.#peerMedia.clear();
      for (const p of msg.room.participants) this.#notePeerMedia(p);
      this.#tellSending();
      // The server sends room, then the history; what is still unconfirmed
      // goes after it. A message that did arrive before the socket dropped
      // comes back as a duplicate echo, which the server sends to us alone.
      this.#resendOutbox();
    },
    participant_media({ participant }) {
      this.#notePeerMedia(participant);
    },
    participant_left({ participant }) {
      this.#peerMedia.delete(participant.id);
    },
    chat_history(msg) {
      for (const m of msg.messages ?? []) this.#chatMessage(m);
    },
    chat(msg) {
      this.#chatMessage(msg);
    },
    call_ended() {
      return this.#roomGone('call_ended');
    },
    removed() {
      return this.#roomGone('removed');
    },
    left() {
      return this.#roomGone('left');
    },
    error(msg) {
      // A place taken away for good: joining again would only repeat this.
      if (msg.code === 'removed') return this.#roomGone('removed');
      if (msg.code === 'room_ended') return this.#roomGone('call_ended');
      this.#chatRefused(msg);
      return null;
    },
  };

  // Staff go back to the console and keep the socket; for a customer the
  // session is over.
  #roomGone(why) {
    this.#leaveRoomState();
    this.#media = null; // the next call's is told when its media starts
    this.#place = this.isStaff ? 'console' : 'ended';
    return this.isStaff ? null : why;
  }

  #chatMessage(m) {
    if (typeof m.id !== 'number') return;
    if (this.#self && m.from?.id === this.#self.id && this.#outbox.delete(m.client_id)) {
      this.#emit('outbox', this.outbox);
    }
    if (this.#seen.has(m.id)) return;
    this.#seen.add(m.id);
    if (this.#lastChatId === null || m.id > this.#lastChatId) this.#lastChatId = m.id;
    this.#emit('message', m);
  }

  #sendChatEntry(entry) {
    this.send({
      type: 'chat',
      text: entry.text,
      client_id: entry.client_id,
      ref: `chat:${entry.client_id}`,
    });
  }

  // A chat message the server did not take. Dropped by the rate limit (such
  // errors carry no ref) or not stored: the outbox goes again a little later,
  // and the server ignores what it already has. Refused as invalid: sending
  // it again would not help.
  #chatRefused(msg) {
    const clientId = msg.ref?.startsWith('chat:') ? msg.ref.slice(5) : null;
    if (msg.code === 'rate_limited' || (clientId && msg.code === 'internal')) {
      clearTimeout(this.#resendTimer);
      this.#resendTimer = setTimeout(() => this.#resendOutbox(), RESEND_MS);
    } else if (clientId && this.#outbox.has(clientId) && msg.code !== 'not_in_room') {
      const entry = this.#outbox.get(clientId);
      this.#outbox.delete(clientId);
      this.#emit('outbox', this.outbox);
      this.#emit('undelivered', [entry]);
    }
  }

  #notePeerMedia(p) {
    if (typeof p.video === 'boolean') this.#peerMedia.set(p.id, { audio: p.audio, video: p.video });
  }

  #tellSending() {
    if (!this.#media || this.#place !== 'room' || this.#state !== 'connected') return;
    this.send({ type: 'sending', ...this.#media, ref: 'sending' });
  }

  #resendOutbox() {
    if (this.#place !== 'room' || this.#state !== 'connected') return;
    for (const entry of this.#outbox.values()) this.#sendChatEntry(entry);
  }

  #leaveRoomState() {
    this.#roomId = null;
    this.#peerMedia.clear();
    this.#lastChatId = null;
    this.#seen.clear();
    if (this.#outbox.size) {
      const lost = this.outbox;
      this.#outbox.clear();
      this.#emit('outbox', []);
      this.#emit('undelivered', lost);
    }
  }
}
