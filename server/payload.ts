/**
 * Bounds on what the hub stores and parses. A command payload nested a few
 * thousand deep parses but cannot be serialized again (JSON.stringify runs
 * out of stack first), so once stored it turned every poll for that agent
 * into a 500. Payloads are checked before they are stored; raw JSON bodies
 * are checked before they are parsed.
 */

/**
 * True when `text`, read as JSON, nests objects/arrays deeper than
 * `maxDepth`. One pass over the characters, no recursion and no parse, so
 * it is safe on any input (malformed JSON is left to the parser).
 */
export function jsonNestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Nesting depth of a parsed value (a scalar is 0, `[]` is 1), counted without recursion and stopping past `limit`. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d + 1 > limit) return true;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}

export interface PayloadLimits {
  maxPayloadDepth: number;
  maxPayloadBytes: number;
}

/** Why this payload cannot be stored, or undefined when it can. */
export function payloadProblem(payload: unknown, limits: PayloadLimits): string | undefined {
  if (depthExceeds(payload, limits.maxPayloadDepth)) return `payload is nested deeper than ${limits.maxPayloadDepth} levels (maxPayloadDepth)`;
  const bytes = Buffer.byteLength(JSON.stringify(payload) ?? 'null');
  if (bytes > limits.maxPayloadBytes) return `payload is ${bytes} bytes of JSON, larger than ${limits.maxPayloadBytes} bytes (maxPayloadBytes)`;
  return undefined;
}
