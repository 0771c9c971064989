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

/** sfc32: small, fast, and good enough for jitter and schedules. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

export function createRng(seed: string | number): Rng {
  const key = String(seed);
  const next = sfc32(hash53(key, 1), hash53(key, 2), hash53(key, 3), hash53(key, 4));
  for (let i = 0; i < 12; i++) next(); // let the state mix before first use
  return { seed: key, next, child: (label) => createRng(`${key}/${label}`) };
}
