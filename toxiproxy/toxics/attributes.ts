import type { ToxicAttributes, ToxicDefinition } from './types.ts';

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
    } else if (typeof value === 'number' && Number.isSafeInteger(value)) {
      attributes[name] = value;
    } else {
      return `attributes.${name} of ${definition.type} must be an integer, got ${JSON.stringify(value)}`;
    }
  }
  const problem = definition.check?.(attributes);
  return problem ?? attributes;
}
