// Finds the files an import reads (transaction/batch Bundles as .json, resources as .ndjson), puts them in
// loading order, and reads NDJSON in chunks. Synthea's hospital and practitioner files come first, then NDJSON
// of the types other resources refer to conditionally, then the rest in name order.
// https://hl7.org/fhir/R4/nd-json.html https://hl7.org/fhir/uv/bulkdata/
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';

export interface ImportFile {
  path: string;
  kind: 'bundle' | 'ndjson';
  /** Loading group: every file of a group is loaded before the next group starts. */
  group: number;
}

const SUPPORT_FILES = /^(hospitalInformation|practitionerInformation)/;
const SUPPORT_TYPES = /^(Organization|Location|Practitioner|PractitionerRole)(\.|$)/;

function groupOf(name: string): number {
  if (SUPPORT_FILES.test(name)) return 0;
  if (name.endsWith('.ndjson') && SUPPORT_TYPES.test(name)) return 1;
  return 2;
}

function kindOf(name: string): ImportFile['kind'] | undefined {
  if (name.endsWith('.ndjson')) return 'ndjson';
  if (name.endsWith('.json')) return 'bundle';
  return undefined;
}

function walk(target: string, out: string[]): void {
  const stat = fs.statSync(target);
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(target)) walk(path.join(target, name), out);
  } else if (stat.isFile() && kindOf(path.basename(target))) {
    out.push(target);
  }
}

/** Every .json and .ndjson file under the given paths, in loading order; a missing path throws. */
export function collectFiles(targets: string[]): ImportFile[] {
  const found: string[] = [];
  for (const target of targets) {
    if (!fs.existsSync(target)) throw new Error(`${target} does not exist`);
    walk(path.resolve(target), found);
  }
  return [...new Set(found)]
    .map((file) => ({ path: file, kind: kindOf(path.basename(file))!, group: groupOf(path.basename(file)) }))
    .sort((a, b) => a.group - b.group || path.basename(a.path).localeCompare(path.basename(b.path)) || a.path.localeCompare(b.path));
}

/** How many resources a file holds, without parsing it: Bundle entries with a request, or NDJSON lines. */
export function countResources(file: ImportFile): number {
  const bytes = fs.readFileSync(file.path);
  // Counted on the bytes, without decoding: NDJSON lines, or the "request" members of a Bundle's entries.
  const needle = file.kind === 'ndjson' ? NEWLINE : REQUEST_KEY;
  let count = 0;
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + needle.length)) count++;
  if (file.kind === 'ndjson') return count + (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? 1 : 0);
  return Math.max(count, 1);
}

const NEWLINE = Buffer.from('\n');
const REQUEST_KEY = Buffer.from('"request"');

export interface NdjsonLine {
  /** 1-based line number in the file. */
  number: number;
  text: string;
}

/** The non-empty lines of an NDJSON file, `size` at a time. */
export async function* ndjsonChunks(file: string, size: number): AsyncGenerator<NdjsonLine[]> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let chunk: NdjsonLine[] = [];
  let number = 0;
  for await (const text of lines) {
    number++;
    if (text.trim() === '') continue;
    chunk.push({ number, text });
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
