// The staff console: the store's waiting customers, live, with how long each
// has waited (and noticed from a background tab); Accept starts a call; the
// call shows the customer's video large, who is in it (Remove for the
// others), the chat, and End call. When the customer is gone for good the
// call ends by itself after a short notice.

import { Signaling } from './signaling.js';
import { confirmAction } from './dialog.js';
import { setupInvites } from './invite.js';
import { LobbyAlerts } from './lobby-alerts.js';
import { RoomView } from './room.js';
import { StaffMedia } from './staff-media.js';
import {
  bindStatus,
  byId,
  el,
  errorText,
  finishedText,
  isTokenError,
  formatDuration,
  makeAlert,
  peekClaims,
  readToken,
  topicLabel,
} from './ui.js';

const alertBox = makeAlert(byId('alert'));
const media = new StaffMedia({ onProblem: (text) => alertBox.show(text) });
const lobbyAlerts = new LobbyAlerts({
  sound: byId('lobby-sound'),
  notifyButton: byId('lobby-notify'),
});
let client = null;
let lastError = null;

const AUTO_END_S = 10; // notice before an empty call ends by itself

// ---- the lobby ----

const lobby = {
  customers: [],
  skewMs: 0, // server clock minus ours, from the last lobby message
  items: new Map(), // customer id -> <li>
  accepting: null, // id of the customer an accept is on its way for
};

function inCall() {
  return client?.place === 'room';
}

function waitedMs(customer) {
  return Date.now() + lobby.skewMs - customer.waiting_since;
}

function lobbyItem(customer) {
  const wait = el('span', { class: 'lobby-item__wait' });
  const accept = el('button', {
    class: 'button button--primary button--small',
    text: 'Accept',
    attrs: { type: 'button' },
    on: { click: () => acceptCustomer(customer.id) },
  });
  const item = el('li', { class: 'lobby-item', attrs: { 'data-participant': customer.id } }, [
    el('div', { class: 'lobby-item__who' }, [
      el('span', { class: 'lobby-item__name' }),
      el('span', { class: 'badge badge--topic lobby-item__topic' }),
    ]),
    el('p', { class: 'lobby-item__since' }, [el('span', { class: 'lobby-item__state' }), wait]),
    accept,
  ]);
  return item;
}

function updateItem(item, customer) {
  item.querySelector('.lobby-item__name').textContent = customer.name;
  item.querySelector('.lobby-item__topic').textContent = topicLabel(customer.topic);
  item.querySelector('.lobby-item__wait').textContent = formatDuration(waitedMs(customer));
  // A customer whose connection dropped keeps their place for the reconnect
  // grace; they can be accepted once they are back.
  const away = customer.present === false;
  item.classList.toggle('lobby-item--away', away);
  item.querySelector('.lobby-item__state').textContent = away ? 'Reconnecting… waited ' : 'Waiting ';
  const accept = item.querySelector('button');
  const busy = lobby.accepting === customer.id;
  accept.textContent = busy ? 'Accepting…' : 'Accept';
  accept.disabled = busy || away || inCall() || client?.state !== 'connected';
  const label = `Accept ${customer.name} (${topicLabel(customer.topic)})`;
  accept.setAttribute('aria-label', away ? `${label}: reconnecting` : label);
}

// Updates the list in place, so that a button with focus keeps it.
function renderLobby() {
  const list = byId('lobby-list');
  const ids = new Set(lobby.customers.map((c) => c.id));
  for (const [id, item] of lobby.items) {
    if (!ids.has(id)) {
      item.remove();
      lobby.items.delete(id);
    }
  }
  const arrived = [];
  lobby.customers.forEach((customer, index) => {
    let item = lobby.items.get(customer.id);
    if (!item) {
      item = lobbyItem(customer);
      lobby.items.set(customer.id, item);
      arrived.push(customer);
    }
    updateItem(item, customer);
    if (list.children[index] !== item) list.insertBefore(item, list.children[index] ?? null);
  });
  const n = lobby.customers.length;
  byId('lobby-count').textContent = String(n);
  byId('lobby-count').setAttribute('aria-label', `${n} waiting`);
  byId('lobby-empty').hidden = n > 0;
  byId('lobby-busy').hidden = n === 0 || !inCall();
  // The list itself is not a live region (its wait times tick every second).
  lobbyAlerts.update(n, arrived);
  if (arrived.length) {
    byId('lobby-announce').textContent = arrived
      .map((c) => `${c.name} is waiting (${topicLabel(c.topic)}).`)
      .join(' ');
  }
}

function tickLobby() {
  for (const customer of lobby.customers) {
    const item = lobby.items.get(customer.id);
    if (item) {
      item.querySelector('.lobby-item__wait').textContent = formatDuration(waitedMs(customer));
    }
  }
}

function onLobby(msg) {
  lobby.customers = msg.customers ?? [];
  const first = lobby.customers[0];
  // waiting_ms is the server's own count at sending time; comparing the two
  // clocks keeps the ticking right on a computer whose clock is off.
  if (first) lobby.skewMs = first.waiting_since + first.waiting_ms - Date.now();
  if (lobby.accepting && !lobby.customers.some((c) => c.id === lobby.accepting)) {
    lobby.accepting = null;
  }
  renderLobby();
}

function acceptCustomer(id) {
  if (!client || inCall()) return;
  lobby.accepting = id;
  if (client.accept(id)) media.prepare();
  else lobby.accepting = null;
  renderLobby();
}

// ---- the call ----

function showCall(visible, note = null) {
  const wasVisible = !byId('call').hidden;
  if (!visible) {
    media.leaveCall();
    clearNotice();
  }
  byId('call').hidden = !visible;
  byId('end-call').hidden = !visible;
  byId('no-call').hidden = visible;
  if (note) byId('no-call').textContent = note;
  renderLobby();
  // Keyboard and screen reader users land on what changed.
  if (visible !== wasVisible) byId(visible ? 'call-title' : 'lobby-title').focus({ preventScroll: true });
}

// ---- an empty call ends by itself ----

const notice = { timer: 0, until: 0, tick: 0 };

function clearNotice() {
  clearTimeout(notice.timer);
  clearInterval(notice.tick);
  notice.timer = notice.tick = 0;
  byId('call-notice').hidden = true;
}

function showNotice(text, { countdown = false } = {}) {
  clearNotice();
  byId('call-notice').hidden = false;
  byId('notice-keep').hidden = !countdown;
  byId('notice-end').hidden = false;
  const render = () => {
    const left = Math.max(0, Math.ceil((notice.until - Date.now()) / 1000));
    byId('call-notice-text').textContent = countdown ? `${text} The call ends in ${left} s.` : text;
  };
  if (countdown) {
    notice.until = Date.now() + AUTO_END_S * 1000;
    notice.timer = setTimeout(() => client?.endCall(), AUTO_END_S * 1000);
    notice.tick = setInterval(render, 1000);
  }
  render();
}

// Nobody else is left: staff are told, and the call ends on its own unless
// they keep it open.
function othersLeft() {
  const others = room.participants.filter((p) => p.id !== client?.self?.id);
  const here = others.filter((p) => p.present);
  if (others.length === 0) {
    showNotice('Everyone else has left.', { countdown: true });
  } else if (here.length === 0) {
    const names = others.map((p) => p.name).join(', ');
    showNotice(`${names} lost their connection. Waiting for them to come back…`);
  } else {
    clearNotice();
  }
}

const room = new RoomView(
  {
    people: byId('people'),
    log: byId('chat-log'),
    pending: byId('chat-pending'),
    form: byId('chat-form'),
    input: byId('chat-input'),
    error: byId('chat-error'),
  },
  {
    onRemove: async (p) => {
      const ok = await confirmAction({
        title: `Remove ${p.name}?`,
        text: `${p.name} leaves the call and can’t join it again with the same link.`,
        action: 'Remove',
      });
      if (ok) client?.remove(p.id);
    },
  },
);

function onError(msg) {
  lastError = msg;
  if (isTokenError(msg.code)) return; // the session ends; see onFinished
  if (msg.ref === 'accept') {
    lobby.accepting = null;
    if (!inCall()) media.leaveCall(); // the camera started for a call that did not come
    renderLobby();
    if (msg.code === 'not_found') {
      alertBox.show('That customer isn’t waiting any more.', msg.code);
      return;
    }
  }
  alertBox.show(errorText(msg), msg.code);
}

function onFinished({ why }) {
  showCall(false);
  lobby.customers = [];
  renderLobby();
  if (why === 'auth_failed') {
    blocked(
      'We couldn’t open the console',
      lastError ? errorText(lastError) : 'The link was refused.',
      null,
      lastError?.code,
    );
  } else if (why === 'too_large' || why === 'unsupported_protocol') {
    blocked('Something went wrong', finishedText(why), null, why);
  } else if (why === 'replaced') {
    blocked(
      'The console is open somewhere else',
      'You opened it in another tab or window. Carry on there, or reload this page to use it here.',
    );
  }
}

// A page that cannot go on: why, and (for support) the server's error code.
function blocked(title, detail, link = null, code = null) {
  byId('blocked-title').textContent = title;
  byId('blocked-detail').textContent = detail;
  byId('blocked-code').textContent = code ? `Error code: ${code}` : '';
  byId('blocked-code').hidden = !code;
  const a = byId('blocked-link');
  a.hidden = !link;
  if (link) {
    a.href = link.href;
    a.textContent = link.text;
  }
  byId('view-blocked').hidden = false;
  byId('view-console').hidden = true;
}

function connect(token) {
  client = new Signaling(token);
  bindStatus(client, byId('status'));
  room.attach(client);
  media.attach(client);
  media.addEventListener('stalled', ({ detail }) => room.setStalled(detail));
  client.on('status', () => renderLobby());
  for (const type of ['participant_left', 'participant_away', 'participant_back', 'participant_joined']) {
    client.on(type, () => othersLeft());
  }
  client.on('joined', (msg) => {
    byId('whoami').textContent = `${msg.participant.name} · ${msg.store}`;
    if (msg.participant.role !== 'staff') {
      client.stop('wrong_page');
      blocked('This is a customer link', 'It opens the customer page, not the staff console.', {
        href: `/customer.html${location.hash}`,
        text: 'Open the customer page',
      });
      return;
    }
    if (msg.state !== 'room') {
      const wasInCall = !byId('call').hidden;
      if (wasInCall) room.clear();
      showCall(false, wasInCall ? 'The call ended while you were disconnected.' : null);
    }
  });
  client.on('lobby', onLobby);
  client.on('room', () => {
    lobby.accepting = null;
    alertBox.hide();
    showCall(true);
    othersLeft(); // back in a call (a reload) whose customer is away or gone
  });
  client.on('call_ended', () => {
    room.clear();
    showCall(false, 'The call has ended. Accept a waiting customer to start the next one.');
  });
  client.on('removed', () => {
    room.clear();
    showCall(false, 'Another member of staff removed you from the call.');
  });
  client.on('left', () => {
    room.clear();
    showCall(false, 'You left the call.');
  });
  client.on('error', onError);
  client.on('finished', onFinished);
  client.start();
}

function main() {
  const token = readToken();
  if (!token) {
    blocked(
      'This page needs your staff link',
      'Open the staff console with the link your store gave you. It ends with “#token=” followed by a long code.',
    );
    return;
  }
  if (peekClaims(token)?.role === 'customer') {
    blocked('This is a customer link', 'It opens the customer page, not the staff console.', {
      href: `/customer.html${location.hash}`,
      text: 'Open the customer page',
    });
    return;
  }
  byId('end-call').addEventListener('click', async () => {
    const ok = await confirmAction({
      title: 'End this call?',
      text: 'Everyone in the call is disconnected.',
      action: 'End call',
    });
    if (ok) client?.endCall();
  });
  byId('notice-end').addEventListener('click', () => client?.endCall());
  byId('notice-keep').addEventListener('click', clearNotice);
  setInterval(tickLobby, 1000);
  setupInvites(token);
  connect(token);
}

main();
