// The room as both pages show it: who is in the call (with presence) and the
// chat. RoomView renders into elements the page provides and listens to one
// Signaling object at a time (attach); the page decides when it is visible.

import { el, formatClock } from './ui.js';

const MAX_CHAT_BYTES = 4096; // VT_PROTOCOL_MAX_CHAT_TEXT
const encoder = new TextEncoder();

const ROLE_LABEL = { staff: 'Staff', customer: 'Customer' };

const PRESENCE_TEXT = { here: 'Here', away: 'Away', stalled: 'Video stalled' };

// What a participant said they send (participant_media); unknown says nothing.
function mediaText(p) {
  const marks = [];
  if (p.video === false) marks.push('Camera off');
  if (p.audio === false) marks.push('Muted');
  return marks.join(' · ');
}

const LEFT_TEXT = {
  left: (name) => `${name} left the call.`,
  removed: (name) => `${name} was removed from the call.`,
  timeout: (name) => `${name} lost their connection and left the call.`,
};

export class RoomView {
  #client = null;
  #detach = [];
  #people; // <ul> of participants
  #log; // <ol> of chat messages
  #pending; // <ol> of messages on their way
  #form;
  #input;
  #error;
  #onRemove;
  #participants = new Map(); // id -> participant
  #stalled = new Set(); // ids of participants whose video has stopped
  #roomId = null;
  #lastId = 0;
  #oldestId = null; // the oldest message shown
  #earlier; // "Show earlier messages": the server has older ones than we show
  #keepScroll = null; // distance from the bottom to restore when a page arrives

  /**
   * elements: {people, log, pending, form, input, error}; onRemove(participant)
   * adds a Remove button next to everyone but oneself (staff only).
   */
  constructor(elements, { onRemove = null } = {}) {
    // onRemove is called from a click; the page confirms before removing.
    this.#people = elements.people;
    this.#log = elements.log;
    this.#pending = elements.pending;
    this.#form = elements.form;
    this.#input = elements.input;
    this.#error = elements.error;
    this.#onRemove = onRemove;
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    });
    this.#input.addEventListener('input', () => this.#showError(''));
    this.#earlier = el('button', {
      class: 'button button--small button--secondary chat__earlier',
      text: 'Show earlier messages',
      attrs: { type: 'button', hidden: true },
      on: { click: () => this.#loadEarlier() },
    });
    this.#log.before(this.#earlier);
  }

  /** Shows this client's room from now on (and forgets the previous one's). */
  attach(client) {
    for (const off of this.#detach) off();
    this.#client = client;
    this.clear();
    this.#detach = this.#listen(client);
  }

  /** Marks whose media has stalled: they are shown so, not as "Here". */
  setStalled(ids) {
    this.#stalled = new Set(ids);
    this.#renderPeople();
  }

  get participants() {
    return [...this.#participants.values()];
  }

  /** Forgets the previous call's people and messages (a draft in the input stays). */
  clear() {
    this.#roomId = null;
    this.#participants.clear();
    this.#people.replaceChildren();
    this.#log.replaceChildren();
    this.#pending.replaceChildren();
    this.#lastId = 0;
    this.#oldestId = null;
    this.#earlier.hidden = true;
    this.#showError('');
  }

  // Returns the unsubscribe functions.
  #listen(c) {
    return [
      c.on('room', (msg) => {
        // The same room again after a reconnect keeps its messages: the server
        // only sends what was missed.
        if (msg.room.id !== this.#roomId) this.clear();
        this.#roomId = msg.room.id;
        this.#earlierReady(); // a page asked for before a reconnect will not come
        this.#participants.clear();
        for (const p of msg.room.participants) this.#participants.set(p.id, p);
        this.#renderPeople();
      }),
      c.on('participant_joined', ({ participant: p }) => {
        this.#upsert(p);
        this.#note(`${p.name} joined the call.`);
      }),
      c.on('participant_back', ({ participant: p }) => {
        this.#upsert(p);
        this.#note(`${p.name} is back.`);
      }),
      c.on('participant_away', ({ participant: p }) => {
        this.#upsert(p);
        this.#note(`${p.name} lost their connection. Waiting for them to come back…`);
      }),
      c.on('participant_media', ({ participant: p }) => this.#upsert(p)),
      c.on('participant_left', ({ participant: p, reason }) => {
        this.#participants.delete(p.id);
        this.#renderPeople();
        this.#note((LEFT_TEXT[reason] ?? LEFT_TEXT.left)(p.name));
      }),
      c.on('message', (m) => this.#addMessage(m)),
      c.on('chat_history', (msg) => this.#historyArrived(msg)),
      c.on('error', (msg) => {
        if (msg.ref === 'history') this.#earlierReady();
      }),
      c.on('outbox', (entries) => this.#renderPending(entries)),
      c.on('undelivered', (entries) => {
        for (const e of entries) this.#note(`This message couldn’t be sent: “${e.text}”`);
      }),
    ];
  }

  #upsert(p) {
    this.#participants.set(p.id, p);
    this.#renderPeople();
  }

  #renderPeople() {
    const selfId = this.#client?.self?.id;
    const items = this.participants.map((p) => this.#personItem(p, p.id === selfId));
    this.#people.replaceChildren(...items);
  }

  #personItem(p, isSelf) {
    // A camera turned off on purpose is not a stalled picture.
    const stalled = p.present && p.video !== false && this.#stalled.has(p.id);
    const presence = !p.present ? 'away' : stalled ? 'stalled' : 'here';
    const media = p.present ? mediaText(p) : '';
    const name = el('span', { class: 'person__name', text: isSelf ? `${p.name} (you)` : p.name });
    const role = el('span', { class: 'badge', text: ROLE_LABEL[p.role] ?? p.role });
    const state = el('span', { class: `presence presence--${presence}`, text: PRESENCE_TEXT[presence] });
    const item = el('li', { class: 'person', attrs: { 'data-participant': p.id } }, [
      el('span', { class: 'person__who' }, [name, role]),
      state,
      media ? el('span', { class: 'person__media', text: media }) : null,
    ]);
    if (this.#onRemove && !isSelf) {
      item.append(
        el('button', {
          class: 'button button--small button--danger',
          text: 'Remove',
          attrs: { type: 'button', 'aria-label': `Remove ${p.name} from the call` },
          on: { click: () => this.#onRemove(p) },
        }),
      );
    }
    return item;
  }

  // ---- chat ----

  #submit() {
    const text = this.#input.value.trim();
    if (!text || !this.#client) return;
    if (encoder.encode(text).length > MAX_CHAT_BYTES) {
      this.#showError('That message is too long. Please split it into shorter ones.');
      return;
    }
    this.#client.sendChat(text);
    this.#input.value = '';
    this.#input.focus();
  }

  #showError(text) {
    this.#error.textContent = text;
    this.#error.hidden = !text;
  }

  #messageItem(m, { pending = false } = {}) {
    const mine = m.from ? m.from.id === this.#client?.self?.id : true;
    const who = mine ? 'You' : m.from.name;
    const when = pending ? 'Sending…' : formatClock(m.ts);
    const meta = el('p', { class: 'msg__meta' }, [
      el('span', { class: 'msg__from', text: who }),
      m.from && m.from.role === 'staff' && !mine
        ? el('span', { class: 'badge badge--staff', text: 'Staff' })
        : null,
      el('span', { class: 'msg__time', text: when }),
    ]);
    const classes = ['msg', mine ? 'msg--mine' : 'msg--theirs'];
    if (pending) classes.push('msg--pending');
    return el('li', { class: classes.join(' '), attrs: { 'data-chat-id': m.id } }, [
      meta,
      el('p', { class: 'msg__text', text: m.text }),
    ]);
  }

  // The first batch of a replay, or a page asked for, says whether older
  // messages are left; only a batch that reaches back to our oldest counts.
  #historyArrived(msg) {
    const first = msg.messages?.[0]?.id;
    if (typeof first !== 'number' || (this.#oldestId !== null && first > this.#oldestId)) return;
    this.#oldestId = first;
    this.#earlier.hidden = !msg.more;
    // Older messages went in above: keep what the reader was looking at in place.
    const fromBottom = this.#keepScroll;
    if (fromBottom !== null) {
      const scroller = this.#scroller();
      requestAnimationFrame(() => {
        scroller.scrollTop = scroller.scrollHeight - fromBottom;
      });
    }
    this.#earlierReady();
  }

  #earlierReady() {
    this.#keepScroll = null;
    this.#earlier.disabled = false;
    this.#earlier.textContent = 'Show earlier messages';
  }

  #loadEarlier() {
    if (this.#oldestId === null || !this.#client) return;
    const scroller = this.#scroller();
    if (!this.#client.send({ type: 'history', before_id: this.#oldestId, ref: 'history' })) return;
    this.#keepScroll = scroller.scrollHeight - scroller.scrollTop;
    this.#earlier.disabled = true;
    this.#earlier.textContent = 'Loading…';
  }

  #addMessage(m) {
    const item = this.#messageItem(m);
    const stick = this.#nearBottom();
    if (m.id > this.#lastId) {
      this.#log.append(item);
      this.#lastId = m.id;
    } else {
      // Out of order (history after a live message): put it in its place.
      const later = [...this.#log.querySelectorAll('[data-chat-id]')].find(
        (li) => Number(li.dataset.chatId) > m.id,
      );
      this.#log.insertBefore(item, later ?? null);
    }
    if (stick || item.classList.contains('msg--mine')) this.#scrollToEnd();
  }

  #renderPending(entries) {
    const items = entries.map((e) => this.#messageItem(e, { pending: true }));
    this.#pending.replaceChildren(...items);
    if (items.length) this.#scrollToEnd();
  }

  #note(text) {
    const stick = this.#nearBottom();
    this.#log.append(el('li', { class: 'msg msg--note', text }));
    if (stick) this.#scrollToEnd();
  }

  // The chat scrolls inside its own box (the log's parent).
  #scroller() {
    return this.#log.parentElement;
  }

  #nearBottom() {
    const s = this.#scroller();
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  #scrollToEnd() {
    const s = this.#scroller();
    s.scrollTop = s.scrollHeight;
  }
}
