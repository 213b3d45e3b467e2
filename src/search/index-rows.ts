// The rows one resource contributes to the search-index tables, one list per table.
// `grp` ties together the values of one composite parameter that come from the same element.

export interface IndexRows {
  string: { param: string; value: string; normalized: string; grp: number | null }[];
  token: {
    param: string;
    system: string | null;
    code: string | null;
    /** Normalised display or text, for :text. */
    text: string | null;
    /** An Identifier's type coding, for :of-type. */
    typeSystem: string | null;
    typeCode: string | null;
    grp: number | null;
  }[];
  /** [low, high) as ISO instants; '-infinity' and 'infinity' for an open side. */
  date: { param: string; low: string; high: string; grp: number | null }[];
  number: { param: string; value: string; grp: number | null }[];
  quantity: { param: string; value: string | null; system: string | null; code: string | null; unit: string | null; grp: number | null }[];
  reference: { param: string; targetType: string | null; targetId: string | null; url: string | null; grp: number | null }[];
  uri: { param: string; value: string; grp: number | null }[];
}

export function emptyIndexRows(): IndexRows {
  return { string: [], token: [], date: [], number: [], quantity: [], reference: [], uri: [] };
}
