import { STREAM_DIRECTIONS } from './toxics/types.ts';
import type { StreamDirection, ToxicSpec } from './toxics/types.ts';

/**
 * The toxics configured on one proxy: pure data, in chain order per
 * direction. Names are unique across both directions.
 */
export class ToxicSet {
  readonly #byDirection: Record<StreamDirection, ToxicSpec[]> = { upstream: [], downstream: [] };

  /** Upstream chain first, then downstream, each in the order toxics were added. */
  list(): ToxicSpec[] {
    return STREAM_DIRECTIONS.flatMap((direction) => this.#byDirection[direction]);
  }

  chain(direction: StreamDirection): readonly ToxicSpec[] {
    return this.#byDirection[direction];
  }

  get(name: string): ToxicSpec | undefined {
    return this.list().find((toxic) => toxic.name === name);
  }

  add(toxic: ToxicSpec): void {
    this.#byDirection[toxic.stream].push(toxic);
  }

  /** Swaps in a new version of a toxic, keeping its place in the chain. */
  replace(toxic: ToxicSpec): void {
    const chain = this.#byDirection[toxic.stream];
    const index = chain.findIndex((existing) => existing.name === toxic.name);
    if (index >= 0) chain[index] = toxic;
  }

  remove(name: string): ToxicSpec | undefined {
    for (const direction of STREAM_DIRECTIONS) {
      const chain = this.#byDirection[direction];
      const index = chain.findIndex((toxic) => toxic.name === name);
      if (index >= 0) return chain.splice(index, 1)[0];
    }
    return undefined;
  }
}

/** The JSON shape real Toxiproxy gives a toxic (its field order too). */
export function toxicJson(toxic: ToxicSpec): {
  attributes: Record<string, number>;
  name: string;
  type: string;
  stream: StreamDirection;
  toxicity: number;
} {
  return {
    attributes: { ...toxic.attributes },
    name: toxic.name,
    type: toxic.type,
    stream: toxic.stream,
    toxicity: toxic.toxicity,
  };
}
