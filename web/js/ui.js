// Small helpers shared by the customer page and the staff console: reading
// the token from the address, building elements, friendly wording for
// connection states and server errors, topics and durations.

/** The element with this id; throws when the page lacks it (a page bug). */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id}`);
  return element;
}

/**
 * Builds an element. props: {class, text, attrs: {name: value}, on: {event: fn}}.
 * Text always goes in as text, never as markup.
 */
export function el(tag, props = {}, children = []) {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.text !== undefined) element.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value !== undefined && value !== null && value !== false) element.setAttribute(name, value);
  }
  for (const [event, fn] of Object.entries(props.on ?? {})) element.addEventListener(event, fn);
  for (const child of children) if (child) element.append(child);
  return element;
}

/** Shows exactly one of the views (elements with the given ids). */
export function showView(ids, visible) {
  for (const id of ids) byId(id).hidden = id !== visible;
}

/** The token from `#token=...`; null when there is none. */
export function readToken() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = params.get('token');
  return token && token.trim() ? token.trim() : null;
}

/**
 * The token's claims, decoded without checking the signature (only the server
 * can). Used to greet by name and to catch a staff link opened on the
 * customer page before joining; null when unreadable.
 */
export function peekClaims(token) {
  try {
    const payload = token.split('.')[1];
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

/**
 * Where the customer page keeps its open session across reloads
 * (sessionStorage): {token, topic, mode}. The walk-in page writes it too, so
 * that the customer page joins the line at once.
 */
export const CUSTOMER_SESSION_KEY = 'vitrine.customer.session';

// ---- topics ----

export const TOPICS = [
  { id: 'trade-in', label: 'Trade-in valuation', hint: 'Find out what your device is worth' },
  { id: 'after-sales', label: 'After-sales', hint: 'Repairs, returns and warranty' },
  { id: 'sizing', label: 'Sizing', hint: 'Find the right size and fit' },
  { id: 'other', label: 'Other', hint: 'Anything else' },
];

/** Fills `container` with one radio button per topic (name "topic"). */
export function renderTopics(container) {
  const options = TOPICS.map((t, i) =>
    el('label', { class: 'topic' }, [
      el('input', {
        attrs: { type: 'radio', name: 'topic', value: t.id, id: `topic-${t.id}`, required: i === 0 },
      }),
      el('span', { class: 'topic__text' }, [
        el('span', { class: 'topic__label', text: t.label }),
        el('span', { class: 'topic__hint', text: t.hint }),
      ]),
    ]),
  );
  container.replaceChildren(...options);
}

/** The topic chosen in `form`, or null. */
export function chosenTopic(form) {
  return form.querySelector('input[name="topic"]:checked')?.value ?? null;
}

/** A topic's label; a topic this page does not know is shown as sent. */
export function topicLabel(topic) {
  if (!topic || topic === 'general') return 'General question';
  return TOPICS.find((t) => t.id === topic)?.label ?? topic;
}

// ---- time ----

/** "45 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function formatClock(ms) {
  return clock.format(new Date(ms));
}

// ---- connection state ----

const STATUS_TEXT = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Not connected',
};

/**
 * Keeps a status pill in step with a Signaling object. While waiting to
 * reconnect it counts the seconds down, so people see that it is trying.
 * Returns a function that stops following the client.
 */
export function bindStatus(client, pill) {
  let countdown = 0;
  const render = ({ state, retryInMs }) => {
    clearInterval(countdown);
    pill.dataset.state = state;
    pill.textContent = STATUS_TEXT[state] ?? state;
    if (state === 'reconnecting' && retryInMs) {
      // The pill is a live region: the seconds are left out of it, so that a
      // screen reader says "Reconnecting…" once rather than every second.
      const seconds = el('span', { attrs: { 'aria-hidden': 'true' } });
      pill.replaceChildren('Reconnecting', seconds);
      const until = Date.now() + retryInMs;
      const tick = () => {
        const left = Math.ceil((until - Date.now()) / 1000);
        seconds.textContent = left > 0 ? ` in ${left} s…` : '…';
        if (left <= 0) clearInterval(countdown);
      };
      tick();
      countdown = setInterval(tick, 1000);
    }
  };
  const off = client.on('status', render);
  render({ state: client.state });
  return () => {
    off();
    clearInterval(countdown);
  };
}

// ---- errors ----

const TOKEN_PROBLEM = 'This link isn’t valid. Please ask the store for a new one.';

const ERROR_TEXT = {
  token_malformed: TOKEN_PROBLEM,
  bad_signature: TOKEN_PROBLEM,
  unsupported_alg: TOKEN_PROBLEM,
  missing_claim: TOKEN_PROBLEM,
  invalid_claim: TOKEN_PROBLEM,
  token_expired: 'This link has expired. Please ask the store for a new one.',
  token_not_yet_valid:
    'This link isn’t active yet. Check that your device’s clock is right, then reload the page.',
  wrong_store: 'This link belongs to a different store.',
  auth_timeout: 'The connection took too long to sign in. Trying again…',
  rate_limited: 'You’re sending messages very quickly. Please wait a moment and try again.',
  not_in_room: 'You’re not in a call right now.',
  not_joined: 'Still signing in. Please try again in a moment.',
  already_joined: 'This page is already connected.',
  forbidden: 'Only store staff can do that.',
  not_found: 'That person isn’t here any more.',
  removed: 'A member of staff removed you from this call.',
  room_ended: 'This call has already ended.',
  invite_used: 'This link has already been used. Please ask the store for a new one.',
  not_available: 'Video isn’t available on this server. You can use the chat.',
  bad_sdp:
    'Your browser and the store couldn’t agree on how to send video. Reload the page, or try another browser.',
  internal: 'Something went wrong on our side. Please try again.',
};

const TOKEN_ERRORS = new Set([
  'token_malformed',
  'bad_signature',
  'unsupported_alg',
  'missing_claim',
  'invalid_claim',
  'token_expired',
  'token_not_yet_valid',
  'wrong_store',
  'invite_used',
]);

/** Whether the server refused the token (it then closes the socket with 4001). */
export function isTokenError(code) {
  return TOKEN_ERRORS.has(code);
}

/** Plain words for why a session ended on its own, when it was not the call's end. */
export function finishedText(why) {
  if (why === 'unsupported_protocol') {
    return 'This page is out of date. Please reload it to get the latest version.';
  }
  return 'The connection was closed. Please reload the page to try again.';
}

/** Plain words for a server error message {code, message, field}. */
export function errorText(error) {
  return ERROR_TEXT[error.code] ?? error.message ?? 'Something went wrong.';
}

/**
 * An alert banner: show(text, code) puts a readable message in it (the code
 * in small print, for support calls); it can be dismissed.
 */
export function makeAlert(box) {
  const text = box.querySelector('.alert__text');
  const code = box.querySelector('.alert__code');
  box.querySelector('.alert__close').addEventListener('click', () => {
    box.hidden = true;
  });
  return {
    show(message, errorCode = '') {
      text.textContent = message;
      code.textContent = errorCode ? `Error code: ${errorCode}` : '';
      code.hidden = !errorCode;
      box.hidden = false;
    },
    hide() {
      box.hidden = true;
    },
  };
}
