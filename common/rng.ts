/**
 * Seeded randomness. One root stream per run; every agent and every fault
 * schedule takes a child stream named after itself, so adding an agent or a
 * fault never shifts another's sequence and the same seed replays the run.
 * No agent, fault or Toxiproxy code calls Math.random().
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** A stream derived from this one's seed and `label`, independent of how far this one has advanced. */
  child(label: string): Rng;
  readonly seed: string;
}

/** 53-bit string hash (cyrb53): spreads similar labels ("agent-1", "agent-2") apart. */
function hash53(text: string, salt = 0): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** sfc32's four words; plain int32 fields. */
interface Sfc32State {
  a: number;
  b: number;
  c: number;
  d: number;
}

/** One step of sfc32 (small, fast, and good enough for jitter and schedules). */
function sfc32Step(s: Sfc32State): number {
  const { a, b, c, d } = s;
  const t = (((a + b) | 0) + d) | 0;
  s.d = (d + 1) | 0;
  s.a = b ^ (b >>> 9);
  s.b = (c + (c << 3)) | 0;
  s.c = (((c << 21) | (c >>> 11)) + t) | 0;
  return (t >>> 0) / 4294967296;
}

function sfc32State(key: string): Sfc32State {
  const state = { a: hash53(key, 1) | 0, b: hash53(key, 2) | 0, c: hash53(key, 3) | 0, d: hash53(key, 4) | 0 };
  for (let i = 0; i < 12; i++) sfc32Step(state); // let the state mix before first use
  return state;
}

/**
 * A seeded stream as a small object rather than closures: a fleet holds one
 * per agent, and under tsx every named closure carries a property
 * dictionary of its own (esbuild's keepNames). A stream is seeded on its
 * first draw, so an agent that never reconnects never hashes its label and
 * holds three fields.
 */
class Sfc32 implements Rng {
  readonly #parentSeed: string | undefined;
  readonly #label: string;
  #state: Sfc32State | undefined;

  constructor(parentSeed: string | undefined, label: string) {
    this.#parentSeed = parentSeed;
    this.#label = label;
  }

  get seed(): string {
    return this.#parentSeed === undefined ? this.#label : `${this.#parentSeed}/${this.#label}`;
  }

  next(): number {
    return sfc32Step((this.#state ??= sfc32State(this.seed)));
  }

  child(label: string): Rng {
    return new Sfc32(this.seed, label);
  }
}

export function createRng(seed: string | number): Rng {
  return new Sfc32(undefined, String(seed));
}
