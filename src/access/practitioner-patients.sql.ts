// The patients a practitioner's user/ scopes reach, as an SQL array of compartment keys ('Patient/<id>'),
// read from the search index of current resources:
// - organization: patients whose managingOrganization is an Organization named by one of the practitioner's
//   PractitionerRoles (PractitionerRole.practitioner is the user's Practitioner);
// - assigned: patients whose generalPractitioner is the practitioner or one of those roles.
// The subquery does not depend on the row, so PostgreSQL runs it once per statement.
import { SqlBuilder } from '../search/query/sql-builder';
import type { PractitionerAccess } from './access-context';

const REFERENCE = /^(Practitioner|PractitionerRole)\/([A-Za-z0-9\-.]{1,64})$/;

export function practitionerPatientsSql(b: SqlBuilder, fhirUser: string | undefined, access: ReadonlySet<PractitionerAccess>): string {
  const m = REFERENCE.exec(fhirUser ?? '');
  if (!m) return `'{}'::text[]`;
  const practitioner = m[1] === 'Practitioner' ? b.bind(m[2]) : 'NULL::text';
  const ownRole = m[1] === 'PractitionerRole' ? b.bind(m[2]) : 'NULL::text';
  const roles = `(SELECT pr.resource_id FROM search_reference pr WHERE pr.resource_type = 'PractitionerRole' AND pr.param = 'practitioner' ` +
    `AND pr.target_type = 'Practitioner' AND pr.target_id = ${practitioner} UNION ALL SELECT ${ownRole})`;
  const rules: string[] = [];
  if (access.has('organization')) {
    rules.push(`(pa.param = 'organization' AND pa.target_type = 'Organization' AND pa.target_id IN (SELECT po.target_id FROM search_reference po ` +
      `WHERE po.resource_type = 'PractitionerRole' AND po.param = 'organization' AND po.target_type = 'Organization' AND po.resource_id IN ${roles}))`);
  }
  if (access.has('assigned')) {
    rules.push(`(pa.param = 'general-practitioner' AND ((pa.target_type = 'Practitioner' AND pa.target_id = ${practitioner}) ` +
      `OR (pa.target_type = 'PractitionerRole' AND pa.target_id IN ${roles})))`);
  }
  if (rules.length === 0) return `'{}'::text[]`;
  return `ARRAY(SELECT 'Patient/' || pa.resource_id FROM search_reference pa WHERE pa.resource_type = 'Patient' AND (${rules.join(' OR ')}))`;
}
