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

/**
 * sfc32 (small, fast, and good enough for jitter and schedules) as a class
 * rather than closures: a fleet holds one stream per agent, and under tsx
 * every named closure carries a property dictionary of its own (esbuild's
 * keepNames). A child is seeded on its first draw, so an agent that never
 * reconnects never pays for hashing its label.
 */
class Sfc32 implements Rng {
  readonly #parentSeed: string | undefined;
  readonly #label: string;
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;
  #seeded = false;

  constructor(parentSeed: string | undefined, label: string) {
    this.#parentSeed = parentSeed;
    this.#label = label;
  }

  get seed(): string {
    return this.#parentSeed === undefined ? this.#label : `${this.#parentSeed}/${this.#label}`;
  }

  next(): number {
    if (!this.#seeded) this.#seed();
    return this.#step();
  }

  child(label: string): Rng {
    return new Sfc32(this.seed, label);
  }

  #seed(): void {
    const key = this.seed;
    this.#a = hash53(key, 1) | 0;
    this.#b = hash53(key, 2) | 0;
    this.#c = hash53(key, 3) | 0;
    this.#d = hash53(key, 4) | 0;
    this.#seeded = true;
    for (let i = 0; i < 12; i++) this.#step(); // let the state mix before first use
  }

  #step(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  }
}

export function createRng(seed: string | number): Rng {
  return new Sfc32(undefined, String(seed));
}
