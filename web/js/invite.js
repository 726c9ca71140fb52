// Invites from the staff console: staff ask the server for a customer link
// to their store (valid for a time they choose), then copy it or show it as
// a QR code for a customer at the counter to scan. The server mints the
// link and refuses it for any store but the staff member's own; a link
// works for one visit.

import { byId, el, errorText } from './ui.js';

const VALIDITY = [
  [900, '15 minutes'],
  [3600, '1 hour'],
  [14400, '4 hours'],
  [86400, '1 day'],
];

async function requestInvite(staffToken, ttl, name) {
  const body = { token: staffToken, ttl };
  if (name) body.name = name;
  const response = await fetch('/api/invites', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    cache: 'no-store',
  });
  const data = await response.json().catch(() => ({}));
  if (response.status !== 201) {
    throw new Error(data.code ? errorText(data) : 'The server could not make a link. Please try again.');
  }
  return data;
}

const clock = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

export function setupInvites(staffToken) {
  const select = byId('invite-ttl');
  select.replaceChildren(
    ...VALIDITY.map(([seconds, label]) => el('option', { text: label, attrs: { value: String(seconds) } })),
  );
  select.value = '3600';
  let url = '';

  byId('invite-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = byId('invite-create');
    button.disabled = true;
    byId('invite-error').hidden = true;
    try {
      const name = byId('invite-name').value.trim();
      const invite = await requestInvite(staffToken, Number(select.value), name);
      url = invite.url;
      byId('invite-url').value = url;
      byId('invite-expires').textContent = `Works once, until ${clock.format(new Date(invite.expires_at))}.`;
      byId('invite-result').hidden = false;
      byId('invite-qr').hidden = true;
      byId('invite-show-qr').textContent = 'Show QR code';
      byId('invite-url').focus();
      byId('invite-url').select();
    } catch (error) {
      byId('invite-error').textContent = error.message;
      byId('invite-error').hidden = false;
    } finally {
      button.disabled = false;
    }
  });

  byId('invite-copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(url);
      byId('invite-copied').textContent = 'Link copied.';
    } catch {
      byId('invite-url').select();
      byId('invite-copied').textContent = 'Press Ctrl+C (or ⌘C) to copy the selected link.';
    }
  });

  byId('invite-show-qr').addEventListener('click', async () => {
    const box = byId('invite-qr');
    if (!box.hidden) {
      box.hidden = true;
      byId('invite-show-qr').textContent = 'Show QR code';
      return;
    }
    // Loaded when first needed: most visits never show a code.
    const { qrSvg } = await import('./qr.js');
    box.replaceChildren(qrSvg(url, { ecc: 'M', label: 'QR code of the customer link' }));
    box.hidden = false;
    byId('invite-show-qr').textContent = 'Hide QR code';
  });
}
