// The staff console's video: the customer's picture large (zoom and full
// screen, for reading an IMEI or finding a scratch), staff's own camera
// small and optional, mute, and the call-quality panel from getStats().
// Staff's camera choice is remembered on this computer.

import { Camera, classify } from './camera.js';
import { MediaCall } from './media.js';
import { Quality, describe } from './quality.js';
import { RemoteAudio, setBadge, showVideo } from './stage.js';
import { byId, el } from './ui.js';

const CAMERA_KEY = 'vitrine.staff.camera'; // 'on' | 'off'
const ZOOMS = [1, 2, 3];

const CAMERA_PROBLEM = {
  insecure: 'The console isn’t opened over https, so the browser blocks your camera.',
  denied: 'Your browser blocks the camera and microphone for this site. Allow them in the address bar, then turn the camera on again.',
  'no-device': 'No camera or microphone was found on this computer.',
  'in-use': 'Your camera is used by another app. Close it, then turn the camera on again.',
  unknown: 'Your camera didn’t start. Try turning it on again.',
};

function storedCameraOn() {
  try {
    return localStorage.getItem(CAMERA_KEY) !== 'off';
  } catch {
    return true;
  }
}

function storeCameraOn(on) {
  try {
    localStorage.setItem(CAMERA_KEY, on ? 'on' : 'off');
  } catch {
    // Not remembered; the default (on) applies next time.
  }
}

export class StaffMedia extends EventTarget {
  #camera = new Camera({ facing: 'user' });
  #call = null;
  #quality = null;
  #audio;
  #client = null;
  #customer = null; // the participant whose video is on the stage
  #soundOnly = false; // they send audio and no video
  #zoom = 1;
  #onProblem;
  #stalled = new Set(); // participant ids whose video stalled
  #starting = null; // the camera's start, while the call lasts
  #calls = 0; // counts leaveCall(), so that a late camera start knows

  /** onProblem(text): a camera problem to show to staff. */
  constructor({ onProblem = () => {} } = {}) {
    super();
    this.#onProblem = onProblem;
    this.#audio = new RemoteAudio(byId('stage'));
    this.#camera.addEventListener('change', () => this.#cameraChanged());
    for (const button of byId('call').querySelectorAll('[data-action]')) {
      button.addEventListener('click', () => this.#control(button.dataset.action));
    }
    byId('zoom').addEventListener('click', () => this.#cycleZoom());
    byId('remote-box').addEventListener('click', (event) => this.#aim(event));
    byId('fullscreen').addEventListener('click', () => this.#toggleFullscreen());
    document.addEventListener('fullscreenchange', () => this.#renderFullscreen());
    this.#renderControls();
  }

  /** Participant ids whose video has stalled (no new frame for a few seconds). */
  get stalled() {
    return new Set(this.#stalled);
  }

  attach(client) {
    this.#client = client;
    this.#call?.destroy();
    this.#call = new MediaCall(client);
    this.#quality = new Quality(this.#call);
    this.#call.addEventListener('remote', ({ detail }) => this.#showRemote(detail));
    this.#call.addEventListener('state', () => this.#showState());
    this.#quality.addEventListener('sample', ({ detail }) => this.#showQuality(detail));
    client.on('status', () => this.#showState());
    client.on('room', () => this.#enterCall());
    client.on('participant_media', () => this.#renderRemoteNote());
  }

  /** The call is over: the camera goes off, statistics stop. */
  leaveCall() {
    this.#quality?.stop();
    this.#call?.stop();
    this.#calls++;
    this.#starting = null; // first: stopping the camera is not news to a room
    this.#camera.stop();
    this.#audio.set([]);
    this.#stalled.clear();
    this.#customer = null;
    this.#setZoom(1);
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  }

  /**
   * Starts staff's camera and microphone; called from the Accept click, so
   * that the camera warms up while the server moves everyone into the room
   * (a camera takes a few hundred ms to give its first frame).
   */
  prepare() {
    this.#audio.unlock();
    if (!this.#starting) this.#starting = this.#startCamera();
    return this.#starting;
  }

  async #startCamera() {
    const call = this.#calls;
    try {
      await this.#camera.start({ video: storedCameraOn(), audio: true });
    } catch (error) {
      if (call === this.#calls) this.#onProblem(CAMERA_PROBLEM[classify(error)]);
    }
    // The call ended (or never began) while the camera was starting.
    if (call !== this.#calls) this.#camera.stop();
    this.#cameraChanged();
  }

  // A call started (also one staff rejoined after a reload).
  #enterCall() {
    this.#quality.start();
    this.prepare();
  }

  async #control(action) {
    this.#audio.unlock();
    try {
      if (action === 'mute') {
        this.#camera.setMuted(!this.#camera.muted);
      } else if (action === 'camera') {
        const on = !this.#camera.cameraOn;
        storeCameraOn(on);
        if (on && !this.#camera.hasMicrophone) await this.#camera.start({ video: true, audio: true });
        else await this.#camera.setCameraOn(on);
      }
    } catch (error) {
      this.#onProblem(CAMERA_PROBLEM[classify(error)]);
    }
  }

  #cameraChanged() {
    const video = this.#camera.videoTrack;
    showVideo(byId('self-video'), video);
    byId('self-off').hidden = Boolean(video);
    this.#call?.setTrack('video', video);
    this.#call?.setTrack('audio', this.#camera.audioTrack);
    // Only what the call's camera start found: before it, nothing is known.
    if (this.#starting) this.#client?.setSending(this.#camera.audioTrack, video);
    this.#renderControls();
  }

  #renderControls() {
    for (const button of byId('call').querySelectorAll('[data-action]')) {
      if (button.dataset.action === 'mute') {
        button.textContent = this.#camera.muted ? 'Unmute' : 'Mute';
        button.classList.toggle('control--off', this.#camera.muted);
      } else if (button.dataset.action === 'camera') {
        button.textContent = this.#camera.cameraOn ? 'Camera off' : 'Camera on';
        button.classList.toggle('control--off', !this.#camera.cameraOn);
      }
    }
  }

  // ---- the customer's picture ----

  #showRemote(remote) {
    const others = [...remote.entries()].filter(([id]) => id !== this.#client?.self?.id);
    // The customer's video first; else anyone's (another member of staff).
    const withVideo = others.filter(([, t]) => t.video);
    const [id, tracks] = withVideo[0] ?? others[0] ?? [null, null];
    this.#customer = id;
    this.#soundOnly = Boolean(tracks?.audio) && !tracks?.video;
    showVideo(byId('remote-video'), tracks?.video ?? null);
    this.#audio.set(others.map(([, t]) => t.audio).filter(Boolean));
    this.#renderRemoteNote();
  }

  #renderRemoteNote() {
    const video = byId('remote-video').srcObject;
    const said = this.#customer ? this.#client?.mediaOf(this.#customer) : null;
    const note = byId('remote-note');
    let text = null;
    if (said?.video === false) {
      text = said.audio ? 'The customer turned their camera off. You can still talk.' : 'The customer turned their camera off and muted their microphone.';
    } else if (!video && this.#soundOnly) text = 'The customer is talking with sound only (no camera).';
    else if (!video) text = 'Waiting for the customer’s video…';
    else if (this.#stalled.has(this.#customer)) {
      text = 'The picture has stopped: their connection may be weak.';
    }
    note.textContent = text ?? '';
    note.hidden = text === null;
    byId('remote-muted').hidden = !(said?.audio === false && said.video !== false);
  }

  #cycleZoom() {
    this.#setZoom(ZOOMS[(ZOOMS.indexOf(this.#zoom) + 1) % ZOOMS.length]);
  }

  #setZoom(zoom) {
    this.#zoom = zoom;
    const box = byId('remote-box');
    box.dataset.zoom = String(zoom);
    const video = byId('remote-video');
    video.style.transform = zoom === 1 ? '' : `scale(${zoom})`;
    if (zoom === 1) video.style.transformOrigin = '';
    byId('zoom').textContent = `Zoom ${zoom}×`;
    byId('zoom').setAttribute('aria-label', `Zoom: ${zoom} times. Click the picture to aim.`);
  }

  // While zoomed in, a click on the picture aims the zoom at that point.
  #aim(event) {
    if (this.#zoom === 1) return;
    const rect = byId('remote-box').getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * 100;
    const y = ((event.clientY - rect.top) / rect.height) * 100;
    byId('remote-video').style.transformOrigin = `${x.toFixed(1)}% ${y.toFixed(1)}%`;
  }

  #toggleFullscreen() {
    const stage = byId('stage');
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else if (stage.requestFullscreen) stage.requestFullscreen().catch(() => {});
    else byId('remote-video').webkitEnterFullscreen?.(); // iPad Safari: the video alone
  }

  #renderFullscreen() {
    byId('fullscreen').textContent = document.fullscreenElement ? 'Exit full screen' : 'Full screen';
  }

  // ---- connection state and quality ----

  #showState() {
    const badge = byId('media-badge');
    if (!this.#call || this.#client?.place !== 'room') {
      setBadge(badge, null);
      return;
    }
    const { publish, subscribe } = this.#call.state;
    const down = [publish, subscribe].includes('reconnecting') || this.#client.state === 'reconnecting';
    setBadge(badge, down ? 'Reconnecting video…' : null);
  }

  #showQuality(sample) {
    const rows = [];
    const owners = this.#call.remoteTracks();
    const stalled = new Set();
    for (const [id, tracks] of owners) {
      if (id === this.#client?.self?.id) continue;
      const video = tracks.video && sample.receive.get(tracks.video.id);
      // A camera turned off on purpose is not a stalled picture.
      if (video?.stalled && this.#client?.mediaOf(id)?.video !== false) stalled.add(id);
      if (video) rows.push(['Receiving', describe(video)]);
    }
    if (sample.send.video) rows.push(['Sending', describe(sample.send.video)]);
    else if (sample.send.audio) rows.push(['Sending (sound only)', describe(sample.send.audio)]);
    byId('quality-rows').replaceChildren(
      ...rows.map(([label, d]) =>
        el('tr', {}, [
          el('th', { text: label, attrs: { scope: 'row' } }),
          ...[d.resolution, d.fps, d.bitrate, d.loss, d.rtt].map((text) => el('td', { text })),
        ]),
      ),
    );
    const changed = stalled.size !== this.#stalled.size || [...stalled].some((id) => !this.#stalled.has(id));
    this.#stalled = stalled;
    if (changed) {
      this.#renderRemoteNote();
      this.dispatchEvent(new CustomEvent('stalled', { detail: this.stalled }));
    }
  }
}
