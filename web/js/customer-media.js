// The customer's camera, microphone and call video: the preview while they
// wait, the call's two pictures, the controls, and what to say when the
// camera cannot be used (with a retry and the sound-only and chat-only ways
// to still have the call).

import { Camera, classify } from './camera.js';
import { MediaCall } from './media.js';
import { Quality } from './quality.js';
import { RemoteAudio, setBadge, showVideo } from './stage.js';
import { byId } from './ui.js';

const PROBLEM_TEXT = {
  insecure: [
    'This page wasn’t opened securely, so your browser won’t let it use the camera.',
    'Open the link exactly as the store sent it: it starts with https://.',
  ],
  denied: ['Your browser is blocking the camera and microphone for this page.', null],
  'no-device': [
    'We couldn’t find a camera on this device.',
    'You can still talk to the store with sound only, or use the chat.',
  ],
  'in-use': [
    'Your camera is being used by another app.',
    'Close other apps that use the camera (a video call, the camera app), then try again.',
  ],
  unknown: [
    'Your camera didn’t start.',
    'Try again. If it keeps happening, reload the page.',
  ],
};

/** What to do in this browser to allow the camera again. */
function deniedHelp() {
  const ua = navigator.userAgent;
  const ios = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
  if (ios) {
    return 'On an iPhone or iPad: tap “aA” in the address bar, then Website Settings, set Camera and Microphone to Allow, and tap Try again.';
  }
  if (/Android/.test(ua)) {
    return 'On Android: tap the icon to the left of the address, then Permissions, allow Camera and Microphone, and tap Try again.';
  }
  if (/Firefox\//.test(ua)) {
    return 'In Firefox: click the crossed-out camera in the address bar, clear the block, and click Try again.';
  }
  if (/Safari\//.test(ua) && !/Chrome|Chromium|Edg/.test(ua)) {
    return 'In Safari: open Safari › Settings for This Website, set Camera and Microphone to Allow, and click Try again.';
  }
  return 'Click the camera icon (or the lock) in the address bar, allow the camera and microphone for this site, and click Try again.';
}

export class CustomerMedia {
  #camera = new Camera({ facing: 'environment' });
  #call = null;
  #quality = null;
  #remoteVideo = null; // the store's video track, while it has one
  #audio;
  #mode = 'full'; // 'full' | 'audio' | 'chat': what the customer chose to send
  #torchOn = false;
  #onModeChange;
  #client = null;
  #settled = false; // the customer chose what to send and the camera answered

  /** onModeChange(mode): the page remembers the choice across reloads. */
  constructor({ onModeChange = () => {} } = {}) {
    this.#onModeChange = onModeChange;
    this.#audio = new RemoteAudio(byId('stage'));
    this.#camera.addEventListener('change', () => this.#cameraChanged());
    byId('camera-retry').addEventListener('click', () => this.start(this.#mode === 'chat' ? 'full' : this.#mode));
    byId('camera-audio-only').addEventListener('click', () => this.start('audio'));
    byId('camera-chat-only').addEventListener('click', () => this.#chooseChatOnly());
    for (const button of document.querySelectorAll('[data-action]')) {
      button.addEventListener('click', () => this.#control(button.dataset.action));
    }
    byId('remote-tile').addEventListener('click', () => {
      const stage = byId('stage');
      stage.dataset.main = stage.dataset.main === 'self' ? 'remote' : 'self';
      this.#audio.unlock();
    });
  }

  /**
   * Asks for the camera and microphone (mode 'full'), the microphone only
   * ('audio'), or nothing ('chat'). Called from the customer's tap, so that
   * audio can start too.
   */
  async start(mode = 'full') {
    this.#setMode(mode);
    this.#audio.unlock();
    byId('camera-problem').hidden = true;
    if (mode === 'chat') {
      this.#settled = true;
      this.#camera.stop();
      return;
    }
    try {
      await this.#camera.start({ video: mode === 'full', audio: true });
      if (mode === 'full' && !this.#camera.cameraOn) this.#problem('no-device');
    } catch (error) {
      this.#problem(classify(error));
    }
    this.#settled = true;
    this.#cameraChanged();
  }

  /** Follows the client's room: publishes there, shows what others send. */
  attach(client) {
    this.#call?.destroy();
    this.#quality?.stop();
    this.#client = client;
    this.#call = new MediaCall(client);
    this.#quality = new Quality(this.#call);
    this.#quality.addEventListener('sample', ({ detail }) => this.#renderRemote(detail));
    this.#quality.start();
    this.#call.addEventListener('remote', ({ detail }) => this.#showRemote(client, detail));
    this.#call.addEventListener('state', () => this.#showState(client));
    client.on('status', () => this.#showState(client));
    client.on('participant_media', () => this.#renderRemote(this.#quality?.latest));
    this.#cameraChanged();
  }

  /** The call is over: camera off, connections closed. */
  stop() {
    this.#quality?.stop();
    this.#call?.destroy();
    this.#call = null;
    this.#camera.stop();
    this.#audio.set([]);
  }

  #setMode(mode) {
    this.#mode = mode;
    this.#onModeChange(mode);
  }

  #chooseChatOnly() {
    this.#setMode('chat');
    this.#camera.stop();
    byId('camera-problem').hidden = true;
  }

  #problem(kind) {
    const [text, help] = PROBLEM_TEXT[kind] ?? PROBLEM_TEXT.unknown;
    byId('camera-problem-text').textContent = text;
    byId('camera-problem-help').textContent = help ?? deniedHelp();
    byId('camera-audio-only').hidden = this.#mode === 'audio' || kind === 'insecure';
    byId('camera-problem').hidden = false;
    byId('camera-problem-title').focus({ preventScroll: false });
  }

  // ---- controls ----

  async #control(action) {
    try {
      if (action === 'mute') this.#camera.setMuted(!this.#camera.muted);
      else if (action === 'camera') await this.#toggleCamera();
      else if (action === 'switch') await this.#camera.switchCamera();
      else if (action === 'torch') {
        this.#torchOn = (await this.#camera.setTorch(!this.#torchOn)) ? !this.#torchOn : false;
        this.#renderControls();
      }
    } catch (error) {
      this.#problem(classify(error));
    }
  }

  async #toggleCamera() {
    if (this.#camera.cameraOn) {
      await this.#camera.setCameraOn(false);
      return;
    }
    // From sound or chat only: the camera, and the microphone if missing.
    if (this.#mode !== 'full' && !this.#camera.hasMicrophone) await this.start('full');
    else {
      this.#setMode('full');
      await this.#camera.setCameraOn(true);
    }
  }

  #cameraChanged() {
    const video = this.#camera.videoTrack;
    this.#torchOn = this.#torchOn && this.#camera.hasTorch;
    showVideo(byId('preview'), video);
    showVideo(byId('self-video'), video);
    // A mirror image only for the front camera, as people expect of a selfie.
    const mirror = video !== null && this.#camera.facing === 'user';
    byId('preview').classList.toggle('mirrored', mirror);
    byId('self-video').classList.toggle('mirrored', mirror);
    byId('preview-box').hidden = !video;
    byId('preview-hint').hidden = !video;
    byId('self-off').hidden = Boolean(video);
    byId('self-off').textContent = this.#mode === 'chat' ? 'You’re using chat only' : 'Your camera is off';
    this.#call?.setTrack('video', video);
    this.#call?.setTrack('audio', this.#camera.audioTrack);
    if (this.#settled) this.#client?.setSending(this.#camera.audioTrack, video);
    this.#renderControls();
  }

  async #renderControls() {
    const canSwitch = this.#camera.cameraOn && (await this.#camera.canSwitch());
    for (const button of document.querySelectorAll('[data-action]')) {
      const action = button.dataset.action;
      if (action === 'mute') {
        button.hidden = !this.#camera.hasMicrophone;
        button.textContent = this.#camera.muted ? 'Unmute' : 'Mute';
        button.classList.toggle('control--off', this.#camera.muted);
      } else if (action === 'camera') {
        button.textContent = this.#camera.cameraOn ? 'Camera off' : 'Camera on';
        button.classList.toggle('control--off', !this.#camera.cameraOn);
      } else if (action === 'switch') {
        button.hidden = !canSwitch;
      } else if (action === 'torch') {
        button.hidden = !this.#camera.hasTorch;
        button.textContent = this.#torchOn ? 'Light off' : 'Light on';
        button.setAttribute('aria-pressed', String(this.#torchOn));
      }
    }
  }

  // ---- what the store sends ----

  #showRemote(client, remote) {
    const others = [...remote.entries()].filter(([id]) => id !== client.self?.id);
    const video = others.map(([, t]) => t.video).find(Boolean) ?? null;
    this.#remoteVideo = video;
    showVideo(byId('remote-video'), video);
    this.#audio.set(others.map(([, t]) => t.audio).filter(Boolean));
    this.#renderRemote(this.#quality?.latest);
  }

  // Staff without a camera, or whose picture stopped (camera off): the
  // customer's own picture fills the stage rather than a frozen frame.
  #renderRemote(sample) {
    const stats = this.#remoteVideo && sample?.receive.get(this.#remoteVideo.id);
    const showing = Boolean(this.#remoteVideo) && !stats?.stalled && !this.#staffCameraOff();
    byId('remote-tile').hidden = !showing;
    if (!showing) byId('stage').dataset.main = 'self';
  }

  // Staff said their camera is off: no need to wait for the picture to stall.
  #staffCameraOff() {
    const client = this.#client;
    const staff = client?.self && [...(this.#call?.remoteTracks().keys() ?? [])].filter((id) => id !== client.self.id);
    return Boolean(staff?.length) && staff.every((id) => client.mediaOf(id)?.video === false);
  }

  #showState(client) {
    const badge = byId('media-badge');
    if (!this.#call || client.place !== 'room') {
      setBadge(badge, null);
      return;
    }
    const { publish, subscribe } = this.#call.state;
    if (client.state === 'reconnecting' || publish === 'reconnecting' || subscribe === 'reconnecting') {
      setBadge(badge, 'Reconnecting video…');
    } else if (publish === 'connecting') {
      setBadge(badge, 'Connecting video…');
    } else {
      setBadge(badge, null);
    }
  }
}
