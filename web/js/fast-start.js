// The first picture of a new publish connection, sooner. A browser starts a
// connection from a low bandwidth estimate (300 kbit/s in Chromium) and,
// handed a 720p camera, drops its first frames while it scales itself down:
// 250-350 ms without a picture after the connection is up, against about 60
// ms for a 360p source (measured in Chromium, no server involved). So the
// video starts scaled down to 360 lines and goes back to the camera's full
// size as soon as the estimate allows it, which with the relay's
// transport-wide feedback takes a second or two.

const START_LINES = 360;
const FULL_SIZE_BPS = 1_000_000; // enough for the browser to keep 720p
const NO_ESTIMATE_MS = 5000; // a browser without an estimate in its stats
const POLL_MS = 250; // in the first seconds; every second after that

/** The sendEncodings to add a video track with: scaled down to START_LINES. */
export function startEncodings(track) {
  const { width, height } = track.getSettings?.() ?? {};
  const lines = Math.min(width || 0, height || 0);
  return lines > START_LINES ? [{ scaleResolutionDownBy: lines / START_LINES }] : undefined;
}

async function estimate(pc) {
  let bps = null;
  for (const report of (await pc.getStats()).values()) {
    if (report.type === 'candidate-pair' && report.nominated && report.availableOutgoingBitrate) {
      bps = Math.max(bps ?? 0, report.availableOutgoingBitrate);
    }
  }
  return bps;
}

async function fullSize(sender) {
  const params = sender.getParameters();
  if (!params.encodings?.length || (params.encodings[0].scaleResolutionDownBy ?? 1) === 1) return;
  params.encodings[0].scaleResolutionDownBy = 1;
  await sender.setParameters(params);
}

/**
 * Once pc is connected, lifts the sender's scaling when the bandwidth
 * estimate reaches FULL_SIZE_BPS, or after NO_ESTIMATE_MS if the browser
 * gives none. On a slow link the picture stays small, as the browser would
 * make it anyway. Returns a function that stops watching.
 */
export function growWhenReady(pc, sender) {
  let timer = 0;
  let since = 0;
  const check = async () => {
    timer = 0;
    if (pc.connectionState === 'closed') return;
    let waited = 0;
    if (pc.connectionState === 'connected') {
      since ||= performance.now();
      waited = performance.now() - since;
      const bps = await estimate(pc).catch(() => null);
      if ((bps ?? 0) >= FULL_SIZE_BPS || (bps === null && waited >= NO_ESTIMATE_MS)) {
        await fullSize(sender).catch(() => {});
        return;
      }
    }
    timer = setTimeout(check, waited > NO_ESTIMATE_MS ? 1000 : POLL_MS);
  };
  timer = setTimeout(check, POLL_MS);
  return () => clearTimeout(timer);
}
