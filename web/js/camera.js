// The local camera and microphone: asking for them, turning them off and on,
// switching between the front and rear cameras, and the torch.
//
// A phone's rear camera comes first (facingMode "environment"): customers
// show an item, not their face. Turning the camera off stops its track, so
// that the camera's light goes out; muting keeps the microphone's track but
// sends nothing. Every failure is classified (see classify) so that pages can
// say in plain words what happened and what to do in this browser.

/** The kind of failure behind a getUserMedia error: 'insecure', 'denied',
 * 'no-device', 'in-use' or 'unknown'. */
export function classify(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return 'no-device';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'in-use';
    case 'InsecureContextError':
      return 'insecure';
    default:
      return 'unknown';
  }
}

function insecureError() {
  const error = new Error('camera access needs a secure (https) page');
  error.name = 'InsecureContextError';
  return error;
}

const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
const AUDIO = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

export class Camera extends EventTarget {
  #facing;
  #video = null; // MediaStreamTrack
  #audio = null;
  #muted = false;
  #deviceId = null; // of the camera in use

  /** facing: the camera to start with, 'environment' (rear) or 'user' (front). */
  constructor({ facing = 'environment' } = {}) {
    super();
    this.#facing = facing;
  }

  get videoTrack() {
    return this.#video;
  }

  /** The microphone track; null while muted or when there is none. */
  get audioTrack() {
    return this.#muted ? null : this.#audio;
  }

  get hasMicrophone() {
    return this.#audio !== null;
  }

  get muted() {
    return this.#muted;
  }

  get cameraOn() {
    return this.#video !== null;
  }

  get facing() {
    return this.#facing;
  }

  /**
   * Asks for the camera and/or microphone. A device that is missing does
   * not stop the other (a desktop without a camera still talks). Throws the
   * getUserMedia error of the first kind asked for when nothing could be had.
   */
  async start({ video = true, audio = true } = {}) {
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) throw insecureError();
    try {
      const stream = await this.#ask(video, audio);
      this.#take(stream);
      return;
    } catch (error) {
      if (!(video && audio) || classify(error) !== 'no-device') throw error;
      // One of the two is missing: take what there is.
      for (const [v, a] of [
        [false, true],
        [true, false],
      ]) {
        try {
          this.#take(await this.#ask(v, a));
          return;
        } catch {
          // Try the other one.
        }
      }
      throw error;
    }
  }

  #ask(video, audio) {
    const constraints = {
      video: video ? { ...VIDEO, facingMode: { ideal: this.#facing } } : false,
      audio: audio ? AUDIO : false,
    };
    return navigator.mediaDevices.getUserMedia(constraints);
  }

  #take(stream) {
    for (const track of stream.getTracks()) {
      if (track.kind === 'video') this.#setVideo(track);
      else {
        this.#audio?.stop();
        this.#audio = track;
        track.enabled = !this.#muted;
      }
    }
    this.#changed();
  }

  #setVideo(track) {
    this.#video?.stop();
    this.#video = track;
    if (!track) return;
    const settings = track.getSettings?.() ?? {};
    this.#deviceId = settings.deviceId ?? null;
    if (settings.facingMode === 'user' || settings.facingMode === 'environment') {
      this.#facing = settings.facingMode;
    }
    // A camera taken away (unplugged, or by the system) ends the track.
    track.addEventListener('ended', () => {
      if (this.#video !== track) return;
      this.#video = null;
      this.#changed();
    });
  }

  #changed() {
    this.dispatchEvent(new CustomEvent('change'));
  }

  /** Stops the camera (its light goes out) or starts it again. */
  async setCameraOn(on) {
    if (!on) {
      this.#setVideo(null);
      this.#changed();
      return;
    }
    if (this.#video) return;
    const stream = await this.#ask(true, false);
    this.#setVideo(stream.getVideoTracks()[0]);
    this.#changed();
  }

  setMuted(muted) {
    this.#muted = muted;
    if (this.#audio) this.#audio.enabled = !muted;
    this.#changed();
  }

  /** Whether there may be another camera to switch to. */
  async canSwitch() {
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      return devices.filter((d) => d.kind === 'videoinput').length > 1;
    } catch {
      return false;
    }
  }

  /**
   * Switches to the other camera: by facing mode on phones, else to the
   * next camera in the list. The old track stops first, as many phones
   * cannot open two cameras at once.
   */
  async switchCamera() {
    const previous = this.#deviceId;
    this.#facing = this.#facing === 'environment' ? 'user' : 'environment';
    this.#setVideo(null);
    const stream = await this.#ask(true, false);
    let track = stream.getVideoTracks()[0];
    const got = track.getSettings?.().deviceId;
    if (previous && got === previous) {
      // No facing modes here (a laptop with two webcams): take the next one.
      const cameras = (await navigator.mediaDevices.enumerateDevices()).filter(
        (d) => d.kind === 'videoinput',
      );
      const next = cameras[(cameras.findIndex((d) => d.deviceId === previous) + 1) % cameras.length];
      if (next && next.deviceId !== previous) {
        try {
          const other = await navigator.mediaDevices.getUserMedia({
            video: { ...VIDEO, deviceId: { exact: next.deviceId } },
          });
          track.stop();
          track = other.getVideoTracks()[0];
        } catch {
          // That camera would not open: keep the one we have.
        }
      }
    }
    this.#setVideo(track);
    this.#changed();
  }

  /** Whether the camera in use has a torch this browser can switch. */
  get hasTorch() {
    const caps = this.#video?.getCapabilities?.() ?? {};
    return Boolean(caps.torch);
  }

  async setTorch(on) {
    if (!this.hasTorch) return false;
    await this.#video.applyConstraints({ advanced: [{ torch: on }] });
    return true;
  }

  /** Stops everything (the call is over). */
  stop() {
    this.#setVideo(null);
    this.#audio?.stop();
    this.#audio = null;
    this.#changed();
  }
}
