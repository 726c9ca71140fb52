// What the server says about a store and a link before anyone joins: the
// store's name, logo and accent colour (docs/protocol.md, "HTTP API"), and
// whether a link is still good, so that an expired or invalid link is told
// on the first screen rather than after the customer picked a topic.

import { el } from './ui.js';

async function postJson(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    cache: 'no-store',
  });
  const data = await response.json().catch(() => ({}));
  return { status: response.status, data };
}

/**
 * {ok: true, link} for a good link; {ok: false, code, message} for one the
 * server refused; null when it could not be asked (offline, an older
 * server): the join will tell then.
 */
export async function checkLink(token) {
  try {
    const { status, data } = await postJson('/api/link', { token });
    if (status === 200) return { ok: true, link: data };
    if (status === 401 && data.code) return { ok: false, code: data.code, message: data.message };
    return null;
  } catch {
    return null;
  }
}

/** The store's public details, or null. */
export async function fetchStore(id) {
  try {
    const response = await fetch(`/api/stores/${encodeURIComponent(id)}`, { cache: 'no-store' });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** Puts the store's name, logo and accent colour in the top bar. */
export function applyBranding(store, brand) {
  if (!store?.name && !store?.logo) return;
  const parts = [];
  if (store.logo) parts.push(el('img', { class: 'brand__logo', attrs: { src: store.logo, alt: '' } }));
  parts.push(el('span', { class: 'brand__name', text: store.name ?? '' }));
  brand.replaceChildren(...parts);
  if (store.name) document.title = `${store.name} · ${document.title.split(' · ').pop()}`;
  // A stripe, not the buttons' colour: an accent that is too light for
  // white text would make the buttons unreadable.
  if (/^#[0-9a-fA-F]{6}$/.test(store.accent ?? '')) {
    document.documentElement.style.setProperty('--accent', store.accent);
    document.body.classList.add('branded');
  }
}
