// The tile-selection "pluck": a Karplus-Strong string synthesized into an AudioBuffer on first use (no asset,
// nothing fetched). Muting is a user preference stored in the profile (key `muted`).

let context = null;
const buffers = new Map(); // frequency -> AudioBuffer
let muted = false;
let plucks = 0;
let frequency = null; // the scenario's pitch (accent.js), else FREQUENCY

const FREQUENCY = 587.33; // D5: bright but not shrill
const DURATION = 0.45; // seconds
const DECAY = 0.996;

function synthesize(ctx, pitch) {
  const rate = ctx.sampleRate;
  const length = Math.floor(rate * DURATION);
  const period = Math.max(2, Math.round(rate / pitch));
  const out = ctx.createBuffer(1, length, rate);
  const data = out.getChannelData(0);
  // A fixed pseudo-random excitation: the pluck sounds the same every time.
  let state = 0x2545f491;
  const ring = new Float32Array(period);
  for (let i = 0; i < period; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    ring[i] = ((state >>> 0) / 0xffffffff) * 2 - 1;
  }
  let previous = 0;
  for (let i = 0; i < length; i += 1) {
    const j = i % period;
    const value = ring[j];
    // Averaging adjacent samples is the string's low-pass; DECAY is its damping.
    ring[j] = DECAY * 0.5 * (value + previous);
    previous = value;
    const fadeOut = i > length - 512 ? (length - i) / 512 : 1;
    data[i] = value * 0.35 * fadeOut;
  }
  return out;
}

export function setMuted(value) {
  muted = Boolean(value);
}

export function isMuted() {
  return muted;
}

/** The pluck's pitch in Hz (a scenario's, see accent.js); null for the default. */
export function setPitch(hz) {
  frequency = hz;
  document.documentElement.dataset.pitch = String(hz ?? FREQUENCY);
}

/** Play the pluck unless muted. Never throws: sound is a nicety, not a requirement. */
export function pluck() {
  if (muted) return false;
  try {
    const AudioContextClass = window.AudioContext || window.webkitAudioContext;
    if (!AudioContextClass) return false;
    context = context || new AudioContextClass();
    const pitch = frequency ?? FREQUENCY;
    if (!buffers.has(pitch)) buffers.set(pitch, synthesize(context, pitch));
    const buffer = buffers.get(pitch);
    if (context.state === "suspended") context.resume();
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    source.start();
    plucks += 1;
    document.documentElement.dataset.plucks = String(plucks);
    return true;
  } catch {
    return false;
  }
}
