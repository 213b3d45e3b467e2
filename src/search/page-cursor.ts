// Paging cursors of searches: a keyset position, signed with a server secret and bound to the principal and
// the search that made it, so a cursor cannot be forged, edited, or replayed by someone else or on another
// search. https://hl7.org/fhir/R4/http.html#paging
import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { FhirError } from '../outcome/operation-outcome';
import { ServerSecrets } from '../storage/server-secrets';
import { KeysetPosition } from './query/search.sql';

export interface CursorState {
  position: KeysetPosition;
  backwards: boolean;
}

const invalid = () => FhirError.of(400, 'invalid', 'invalid-cursor', 'The paging cursor is not valid for this search; start again from the first page', ['_cursor']);

@Injectable()
export class PageCursors {
  constructor(private readonly secrets: ServerSecrets) {}

  private async sign(payload: string, binding: string): Promise<string> {
    const key = await this.secrets.get('search-cursor');
    return createHmac('sha256', key).update(payload).update('\u0000').update(binding).digest('base64url');
  }

  /** `binding` names who searched and what: the same text must be given to decode. */
  async encode(state: CursorState, binding: string): Promise<string> {
    const payload = Buffer.from(JSON.stringify([state.backwards ? 1 : 0, state.position.id, state.position.values]), 'utf8').toString('base64url');
    return `${payload}.${await this.sign(payload, binding)}`;
  }

  async decode(raw: string, binding: string): Promise<CursorState> {
    const [payload, signature, ...rest] = raw.split('.');
    if (!payload || !signature || rest.length > 0 || raw.length > 4096) throw invalid();
    const expected = Buffer.from(await this.sign(payload, binding));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    const [backwards, id, values] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [number, string, (string | null)[]];
    return { position: { id, values }, backwards: backwards === 1 };
  }
}
