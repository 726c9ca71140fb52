// Putting media on the page: video elements that follow a track, the
// remote audio (started from the user's gesture where the browser insists:
// iOS Safari, and Chrome before any interaction), and the small state badge
// that lies over a video ("Reconnecting video…").

import { el } from './ui.js';

/**
 * Shows `track` (or nothing) in a <video>. Videos are muted and inline, so
 * that every browser lets them play without a gesture; sound goes through
 * RemoteAudio.
 */
export function showVideo(video, track) {
  const current = video.srcObject?.getVideoTracks?.()[0] ?? null;
  if (current === track) return;
  video.muted = true;
  video.playsInline = true;
  video.autoplay = true;
  video.srcObject = track ? new MediaStream([track]) : null;
  if (track) video.play().catch(() => {});
}

/**
 * The remote participants' sound through one <audio> element. When the
 * browser refuses to play it before a gesture, a button asks for one tap.
 */
export class RemoteAudio {
  #audio;
  #button;
  #tracks = [];

  /** container: where the "Tap to hear" button goes. */
  constructor(container) {
    this.#audio = el('audio', { attrs: { autoplay: '' } });
    this.#audio.hidden = true;
    this.#button = el('button', {
      class: 'button button--primary sound-button',
      text: 'Tap to hear the call',
      attrs: { type: 'button' },
      on: { click: () => this.#play() },
    });
    this.#button.hidden = true;
    container.append(this.#audio, this.#button);
  }

  set(tracks) {
    const ids = tracks.map((t) => t.id).join();
    if (ids === this.#tracks.map((t) => t.id).join()) return;
    this.#tracks = tracks;
    this.#audio.srcObject = tracks.length ? new MediaStream(tracks) : null;
    if (tracks.length) this.#play();
    else this.#button.hidden = true;
  }

  /** Call from a click handler: a gesture lets audio start everywhere. */
  unlock() {
    if (this.#tracks.length) this.#play();
  }

  #play() {
    this.#audio
      .play()
      .then(() => {
        this.#button.hidden = true;
      })
      .catch(() => {
        this.#button.hidden = false;
      });
  }
}

/** The badge over a video: text, or hidden for null. */
export function setBadge(badge, text) {
  badge.textContent = text ?? '';
  badge.hidden = !text;
}
