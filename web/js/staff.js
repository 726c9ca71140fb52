// The staff console: the store's waiting customers, live, with how long each
// has waited; Accept starts a call; the call shows who is in it (Remove for
// the others), the chat, and End call.

import { Signaling } from './signaling.js';
import { RoomView } from './room.js';
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
let client = null;
let lastError = null;

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
    el('p', { class: 'lobby-item__since' }, ['Waiting ', wait]),
    accept,
  ]);
  return item;
}

function updateItem(item, customer) {
  item.querySelector('.lobby-item__name').textContent = customer.name;
  item.querySelector('.lobby-item__topic').textContent = topicLabel(customer.topic);
  item.querySelector('.lobby-item__wait').textContent = formatDuration(waitedMs(customer));
  const accept = item.querySelector('button');
  const busy = lobby.accepting === customer.id;
  accept.textContent = busy ? 'Accepting…' : 'Accept';
  accept.disabled = busy || inCall() || client?.state !== 'connected';
  accept.setAttribute('aria-label', `Accept ${customer.name} (${topicLabel(customer.topic)})`);
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
  if (!client.accept(id)) lobby.accepting = null;
  renderLobby();
}

// ---- the call ----

function showCall(visible, note = null) {
  byId('call').hidden = !visible;
  byId('end-call').hidden = !visible;
  byId('no-call').hidden = visible;
  if (note) byId('no-call').textContent = note;
  renderLobby();
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
  { onRemove: (p) => client?.remove(p.id) },
);

function onError(msg) {
  lastError = msg;
  if (isTokenError(msg.code)) return; // the session ends; see onFinished
  if (msg.ref === 'accept') {
    lobby.accepting = null;
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
  client.on('status', () => renderLobby());
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
  byId('end-call').addEventListener('click', () => client?.endCall());
  setInterval(tickLobby, 1000);
  connect(token);
}

main();
