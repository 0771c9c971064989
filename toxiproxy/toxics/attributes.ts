import type { ToxicAttributes, ToxicDefinition } from './types.ts';

/**
 * Real Toxiproxy decodes every attribute into a Go int64 (`int` for the
 * slicer, 64-bit too): any JSON integer within ±2^63 is taken, a fraction or
 * anything larger is a 400. JSON numbers reach us as doubles, so past 2^53 the
 * value kept is the nearest double (9223372036854775807 reads as 2^63).
 */
const INT64_LIMIT = 2 ** 63;

function isInt64(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= INT64_LIMIT;
}

/**
 * Reads a toxic's `attributes` from a request body, merged over `base`.
 * Unknown keys are ignored and null leaves a value as it was (as Go's JSON
 * decoder does); every attribute of the type comes out, 0 when never set.
 * Returns the reason as a string when the body is not acceptable.
 */
export function decodeAttributes(
  definition: ToxicDefinition,
  raw: unknown,
  base: ToxicAttributes,
): ToxicAttributes | string {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    return `attributes must be an object, got ${JSON.stringify(raw)}`;
  }
  const given = (raw ?? {}) as Record<string, unknown>;
  const attributes: Record<string, number> = {};
  for (const name of definition.attributeNames) {
    const value = given[name];
    if (value === undefined || value === null) {
      attributes[name] = base[name] ?? 0;
    } else if (isInt64(value)) {
      attributes[name] = value;
    } else {
      return `attributes.${name} of ${definition.type} must be an integer, got ${JSON.stringify(value)}`;
    }
  }
  const problem = definition.check?.(attributes);
  return problem ?? attributes;
}
