// The customer page: pick a topic, wait in the store's line with the camera's
// preview, then show the item to staff on video and chat with them.
// Customers are on phones, so the page also survives a reload: the tab
// remembers (sessionStorage) that it was waiting or in a call, and whether
// the customer chose sound only or chat only, and joins again without asking
// for the topic a second time.

import { Signaling } from './signaling.js';
import { CustomerMedia } from './customer-media.js';
import { RoomView } from './room.js';
import { applyBranding, checkLink, fetchStore } from './store.js';
import {
  CUSTOMER_SESSION_KEY,
  bindStatus,
  byId,
  chosenTopic,
  errorText,
  finishedText,
  isTokenError,
  makeAlert,
  peekClaims,
  readToken,
  renderTopics,
  showView,
  topicLabel,
} from './ui.js';

const VIEWS = [
  'view-loading',
  'view-blocked',
  'view-start',
  'view-waiting',
  'view-room',
  'view-ended',
];

const alertBox = makeAlert(byId('alert'));
const room = new RoomView({
  people: byId('people'),
  log: byId('chat-log'),
  pending: byId('chat-pending'),
  form: byId('chat-form'),
  input: byId('chat-input'),
  error: byId('chat-error'),
});
const media = new CustomerMedia({ onModeChange: (mode) => rememberMode(mode) });
let client = null;
let unbindStatus = () => {};
let lastError = null;
let wasInRoom = false;

// Moves the keyboard (and a screen reader) to the new view's heading, so
// that a change of state is noticed without looking.
function show(view, { focus = true } = {}) {
  const changed = byId(view).hidden;
  showView(VIEWS, view);
  const heading = byId(view).querySelector('h1');
  if (!changed || !focus || !heading) return;
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
}

// ---- the chat drawer (phones; on wide screens the chat is always shown) ----

let unread = 0;

function chatOpen() {
  return byId('view-room').dataset.chat === 'open';
}

function openChat() {
  byId('view-room').dataset.chat = 'open';
  byId('chat-toggle').setAttribute('aria-expanded', 'true');
  unread = 0;
  renderUnread();
  byId('chat-input').focus({ preventScroll: true });
}

function closeChat() {
  const wasOpen = chatOpen();
  delete byId('view-room').dataset.chat;
  byId('chat-toggle').setAttribute('aria-expanded', 'false');
  if (wasOpen) byId('chat-toggle').focus({ preventScroll: true });
}

function noteUnread() {
  // The drawer only exists on narrow screens; there the toggle is shown.
  if (chatOpen() || byId('chat-toggle').offsetParent === null) return;
  unread++;
  renderUnread();
}

function renderUnread() {
  const badge = byId('chat-unread');
  badge.textContent = String(unread);
  badge.hidden = unread === 0;
  byId('chat-toggle').setAttribute(
    'aria-label',
    unread ? `Chat, ${unread} new message${unread === 1 ? '' : 's'}` : 'Chat',
  );
}

// A link that has run out or cannot be read is told at once, before the
// customer picks a topic. (Only the server can check the signature; it
// says so when they join.)
function linkProblem(claims) {
  if (!claims || typeof claims.store !== 'string') {
    return 'This link isn’t complete. Please open the link the store sent you again, or ask for a new one.';
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
    return 'This link has expired. Please ask the store for a new one.';
  }
  return null;
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
  show('view-blocked');
}

function ended(title, detail, { canStartAgain = true } = {}) {
  byId('ended-title').textContent = title;
  byId('ended-detail').textContent = detail;
  byId('start-again').hidden = !canStartAgain;
  show('view-ended');
  byId('ended-title').focus({ preventScroll: true });
}

// ---- remembering an open session across reloads ----

function saveSession(token, topic, mode) {
  try {
    sessionStorage.setItem(CUSTOMER_SESSION_KEY, JSON.stringify({ token, topic, mode }));
  } catch {
    // Private browsing may refuse storage; a reload then asks for the topic again.
  }
}

function loadSession(token) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(CUSTOMER_SESSION_KEY) ?? 'null');
    return saved && saved.token === token ? saved : null;
  } catch {
    return null;
  }
}

function rememberMode(mode) {
  const saved = loadSession(readToken());
  if (saved) saveSession(saved.token, saved.topic, mode);
}

function forgetSession() {
  try {
    sessionStorage.removeItem(CUSTOMER_SESSION_KEY);
  } catch {
    // Nothing to forget.
  }
}

// ---- the topic picker ----

// ---- the session ----

function waitingText(position, waiting) {
  if (waiting <= 1) return 'You’re the only one waiting, so it shouldn’t be long.';
  const ahead = position - 1;
  if (ahead === 0) return 'You’re next! A member of staff will be with you shortly.';
  return ahead === 1 ? '1 person is ahead of you.' : `${ahead} people are ahead of you.`;
}

function onError(msg) {
  lastError = msg;
  // These end the session; onFinished says so.
  if (isTokenError(msg.code) || msg.code === 'removed' || msg.code === 'room_ended') return;
  alertBox.show(errorText(msg), msg.code);
}

function onFinished({ why }) {
  media.stop();
  closeChat();
  if (why === 'auth_failed') {
    forgetSession();
    const reason = lastError ? errorText(lastError) : 'The store could not check your link.';
    blocked('We couldn’t open your conversation', reason, null, lastError?.code);
  } else if (why === 'replaced') {
    ended(
      'This conversation is open somewhere else',
      'You opened it in another tab or on another device. Carry on there, or reload this page to continue here.',
      { canStartAgain: false },
    );
  } else if (why === 'call_ended') {
    forgetSession();
    ended('The call has ended', 'Thank you for talking to us. You can close this page now.');
  } else if (why === 'removed') {
    forgetSession();
    ended(
      'You were removed from the call',
      'A member of staff ended your part in this call. If you think this was a mistake, please contact the store.',
    );
  } else if (why === 'left') {
    forgetSession();
    if (wasInRoom) ended('You left the call', 'Thank you for talking to us. Come back any time.');
    else ended('You left the line', 'You’re no longer waiting. Come back any time.');
  } else if (why === 'too_large' || why === 'unsupported_protocol') {
    blocked('Something went wrong', finishedText(why), null, why);
  }
}

function connect(token, topic, mode = 'full') {
  alertBox.hide();
  lastError = null;
  wasInRoom = false;
  saveSession(token, topic, mode);
  // Asked now, from the customer's tap: the wait shows the camera's picture.
  media.start(mode);
  byId('waiting-topic').textContent = topicLabel(topic);
  byId('position').textContent = 'Joining the line…';
  byId('waiting-detail').textContent = 'A member of staff will be with you shortly.';
  show('view-waiting');

  client = new Signaling(token, { topic });
  unbindStatus();
  unbindStatus = bindStatus(client, byId('status'));
  room.attach(client);
  media.attach(client);
  client.on('joined', (msg) => {
    if (msg.participant.role !== 'customer') {
      client.stop('wrong_page');
      blocked('This is a staff link', 'It opens the staff console, not the customer page.', {
        href: `/staff.html${location.hash}`,
        text: 'Open the staff console',
      });
      return;
    }
    if (msg.state === 'lobby') show('view-waiting');
  });
  client.on('lobby_position', ({ position, waiting }) => {
    byId('position').textContent = `You are number ${position} in line`;
    byId('waiting-detail').textContent = waitingText(position, waiting);
  });
  client.on('room', () => {
    wasInRoom = true;
    alertBox.hide();
    show('view-room');
  });
  client.on('message', (m) => {
    if (m.from?.id !== client.self?.id) noteUnread();
  });
  client.on('error', onError);
  client.on('finished', onFinished);
  client.start(topic);
}

function leave() {
  if (!client) return;
  // Without a connection the server cannot be told; it notices the socket
  // went and frees the place itself.
  if (!client.leave()) client.stop('left');
}

async function main() {
  const token = readToken();
  if (!token) {
    blocked(
      'This page needs your personal link',
      'Please open the link the store sent you. It ends with “#token=” followed by a long code.',
    );
    return;
  }
  const claims = peekClaims(token);
  if (claims?.role === 'staff') {
    blocked('This is a staff link', 'It opens the staff console, not the customer page.', {
      href: `/staff.html${location.hash}`,
      text: 'Open the staff console',
    });
    return;
  }
  const problem = linkProblem(claims);
  if (problem) {
    blocked('We couldn’t open your conversation', problem);
    return;
  }
  fetchStore(claims.store).then((store) => applyBranding(store, byId('brand')));
  const saved = loadSession(token);
  // A link the server refuses is told now, before the topic; a reload of an
  // open session skips the check (the join says it all the same).
  const check = saved ? null : await checkLink(token);
  if (check && !check.ok) {
    blocked('We couldn’t open your conversation', errorText(check), null, check.code);
    return;
  }
  byId('greeting').textContent = claims?.name ? `Hello, ${claims.name}!` : 'Hello!';
  renderTopics(byId('topic-options'));

  byId('topic-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const topic = chosenTopic(byId('topic-form'));
    byId('topic-error').hidden = Boolean(topic);
    if (!topic) {
      byId('topic-options').querySelector('input')?.focus();
      return;
    }
    connect(token, topic);
  });
  byId('topic-form').addEventListener('change', () => {
    byId('topic-error').hidden = true;
  });
  byId('leave-line').addEventListener('click', leave);
  byId('leave-call').addEventListener('click', leave);
  byId('chat-toggle').addEventListener('click', () => (chatOpen() ? closeChat() : openChat()));
  byId('chat-close').addEventListener('click', closeChat);
  byId('start-again').addEventListener('click', () => {
    alertBox.hide();
    show('view-start');
  });

  if (saved) connect(token, saved.topic, saved.mode);
  else show('view-start');
}

main();
