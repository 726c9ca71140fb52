// A confirmation before an action that cannot be undone (ending a call,
// removing someone), in the page's own <dialog> rather than window.confirm,
// which some browsers suppress and which stops the page's timers.

import { byId } from './ui.js';

/** Resolves true when staff confirm. */
export function confirmAction({ title, text, action }) {
  const dialog = byId('confirm');
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = action;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = 'cancel';
    dialog.showModal();
  });
}
