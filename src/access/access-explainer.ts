// Tells an administrator why a caller could or could not reach one resource: the scope that was missing, the
// compartment (or practitioner rule) that did not reach it, or the scope restriction it did not meet. It runs
// the same conditions the access filter puts into SQL, one by one. Never shown to the caller itself.
import { Injectable } from '@nestjs/common';
import { SqlBuilder } from '../search/query/sql-builder';
import { Permission } from '../smart/smart-scopes';
import { DatabaseSession } from '../storage/database-session';
import { AccessContext, DenialRule } from './access-context';

export interface AccessExplanation {
  decision: 'allowed' | 'refused' | 'not-found';
  rule?: DenialRule;
  /** The scope that allows it, when allowed. */
  scope?: string;
  detail: string;
}

@Injectable()
export class AccessExplainer {
  constructor(private readonly db: DatabaseSession) {}

  async explain(access: AccessContext, type: string, id: string, permission: Permission): Promise<AccessExplanation> {
    if (!access.allows(type, permission)) {
      return { decision: 'refused', rule: 'scope-missing', detail: `no granted scope gives ${permission} on ${type}` };
    }
    const b = new SqlBuilder();
    const parts = access.grantConditions(b, 'r', type, permission);
    const columns = parts.map((p, i) => `(${p.reach ?? 'TRUE'}) AS reach${i}, (${p.restriction ?? 'TRUE'}) AS restriction${i}`);
    const rows = await this.db.query<Record<string, boolean>>(
      `SELECT ${['1 AS found', ...columns].join(', ')} FROM resource r WHERE r.resource_type = ${b.bind(type)} AND r.id = ${b.bind(id)} AND NOT r.deleted`,
      b.params);
    if (rows.length === 0) return { decision: 'not-found', detail: `${type}/${id} does not exist or is deleted` };
    const row = rows[0];
    const allowing = parts.findIndex((_, i) => row[`reach${i}`] && row[`restriction${i}`]);
    if (allowing >= 0) return { decision: 'allowed', scope: parts[allowing].scope, detail: `allowed by ${parts[allowing].scope}` };
    const reached = parts.filter((_, i) => row[`reach${i}`]);
    if (reached.length > 0) {
      return { decision: 'refused', rule: 'granular-restriction',
        detail: `${type}/${id} is within reach of ${reached.map((p) => p.scope).join(', ')} but does not meet the restriction` };
    }
    return { decision: 'refused', rule: 'outside-compartment',
      detail: `${type}/${id} is outside what ${parts.map((p) => p.scope).join(', ')} reach for this ${access.principal?.role === 'practitioner' ? 'practitioner' : 'patient'}` };
  }
}
