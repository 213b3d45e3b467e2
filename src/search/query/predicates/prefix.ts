// The comparison prefixes of ordered parameter types. https://hl7.org/fhir/R4/search.html#prefix
export const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type Prefix = (typeof PREFIXES)[number];

/** Splits "ge2024" into ["ge", "2024"]; a value without a prefix is "eq". */
export function splitPrefix(value: string): [Prefix, string] {
  const head = value.slice(0, 2) as Prefix;
  if (/^[a-z]{2}/.test(value) && PREFIXES.includes(head)) return [head, value.slice(2)];
  return ['eq', value];
}
