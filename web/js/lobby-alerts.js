// Telling staff that someone joined the line while the console is in a
// background tab: the tab's title carries the count, a short sound if staff
// turned it on, and a browser notification where they allowed it. The
// choices are remembered on this computer.

const SOUND_KEY = 'vitrine.staff.sound';

function remembered(key) {
  try {
    return localStorage.getItem(key) === 'on';
  } catch {
    return false;
  }
}

function remember(key, on) {
  try {
    localStorage.setItem(key, on ? 'on' : 'off');
  } catch {
    // Not remembered: the default (off) applies next time.
  }
}

// Two short tones made on the spot (no audio file to fetch).
function chime() {
  const Context = window.AudioContext ?? window.webkitAudioContext;
  if (!Context) return;
  const ctx = new Context();
  const gain = ctx.createGain();
  gain.connect(ctx.destination);
  gain.gain.value = 0.08;
  [880, 1320].forEach((hz, i) => {
    const tone = ctx.createOscillator();
    tone.frequency.value = hz;
    tone.connect(gain);
    tone.start(ctx.currentTime + i * 0.18);
    tone.stop(ctx.currentTime + i * 0.18 + 0.15);
  });
  setTimeout(() => ctx.close(), 800);
}

export class LobbyAlerts {
  #title;
  #sound;
  #notifyButton;

  /** sound: the checkbox; notifyButton: asks for notification permission. */
  constructor({ sound, notifyButton }) {
    this.#title = document.title;
    this.#sound = sound;
    this.#notifyButton = notifyButton;
    sound.checked = remembered(SOUND_KEY);
    sound.addEventListener('change', () => {
      remember(SOUND_KEY, sound.checked);
      if (sound.checked) chime(); // the click lets audio start; staff hear what it sounds like
    });
    notifyButton.addEventListener('click', async () => {
      await Notification.requestPermission().catch(() => 'denied');
      this.#renderNotifyButton();
    });
    this.#renderNotifyButton();
  }

  #renderNotifyButton() {
    const supported = 'Notification' in window;
    this.#notifyButton.hidden = !supported || Notification.permission !== 'default';
  }

  /** The line now has `count` customers; `arrived` just joined it. */
  update(count, arrived) {
    document.title = count > 0 ? `(${count}) ${this.#title}` : this.#title;
    if (arrived.length === 0) return;
    if (this.#sound.checked) chime();
    if (document.visibilityState === 'visible') return;
    if ('Notification' in window && Notification.permission === 'granted') {
      const names = arrived.map((c) => c.name).join(', ');
      const note = new Notification('A customer is waiting', {
        body: `${names} joined the line.`,
        tag: 'vitrine-lobby',
      });
      note.onclick = () => {
        window.focus();
        note.close();
      };
    }
  }
}
