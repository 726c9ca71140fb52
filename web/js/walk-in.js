// The walk-in page, /s/STORE: the target of a QR code printed in a shop.
// A customer types a name and picks a topic; Vitrine gives them a short-lived
// lobby token (POST /api/walk-in), and the customer page takes over, already
// joining the line. A store that takes no walk-ins, is closed, or whose line
// is full says so here.

import { applyBranding, fetchStore } from './store.js';
import { CUSTOMER_SESSION_KEY, byId, chosenTopic, renderTopics, showView } from './ui.js';

const VIEWS = ['view-loading', 'view-closed', 'view-form'];

const REFUSALS = {
  walk_in_off: 'This store doesn’t take walk-in video calls. Please ask a member of staff for a link.',
  line_full: 'The line is full right now. Please try again in a few minutes.',
  rate_limited: 'Too many tries from this network. Please wait a few minutes and try again.',
};

function storeId() {
  const part = location.pathname.split('/')[2] ?? '';
  try {
    return decodeURIComponent(part);
  } catch {
    return '';
  }
}

function show(view) {
  showView(VIEWS, view);
  byId(view).querySelector('h1')?.focus({ preventScroll: true });
}

function closed(detail, hours = null) {
  byId('closed-detail').textContent = detail;
  byId('closed-hours').textContent = hours ? `Opening hours: ${hours}` : '';
  byId('closed-hours').hidden = !hours;
  show('view-closed');
}

async function join(store) {
  const name = byId('walk-in-name').value.trim();
  const topic = chosenTopic(byId('walk-in-form'));
  byId('name-error').hidden = Boolean(name);
  byId('topic-error').hidden = Boolean(topic);
  if (!name) return byId('walk-in-name').focus();
  if (!topic) return byId('topic-options').querySelector('input')?.focus();
  byId('join').disabled = true;
  byId('walk-in-error').hidden = true;
  try {
    const response = await fetch('/api/walk-in', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ store, name, topic }),
      cache: 'no-store',
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 201 && data.token) {
      // The customer page finds this session and joins the line at once.
      sessionStorage.setItem(CUSTOMER_SESSION_KEY, JSON.stringify({ token: data.token, topic, mode: 'full' }));
      location.replace(`/customer.html#token=${encodeURIComponent(data.token)}`);
      return;
    }
    if (data.code === 'closed') return closed(data.message ?? 'The store is closed now.');
    if (data.code === 'walk_in_off') return closed(REFUSALS.walk_in_off);
    byId('walk-in-error').textContent =
      REFUSALS[data.code] ?? data.message ?? 'Something went wrong. Please try again.';
    byId('walk-in-error').hidden = false;
  } catch {
    byId('walk-in-error').textContent = 'We couldn’t reach the store. Check your connection and try again.';
    byId('walk-in-error').hidden = false;
  } finally {
    byId('join').disabled = false;
  }
}

async function main() {
  const id = storeId();
  const store = id ? await fetchStore(id) : null;
  if (!store) return closed('This page isn’t a store’s video line. Please check the address or the code you scanned.');
  applyBranding(store, byId('brand'));
  if (!store.walk_in) return closed(REFUSALS.walk_in_off);
  if (!store.open) return closed('The store is closed now.', store.hours);
  if (store.name) byId('walk-in-title').textContent = `Talk to ${store.name} on video`;
  renderTopics(byId('topic-options'));
  byId('walk-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    join(id);
  });
  show('view-form');
}

main();
