// conditional delete: DELETE [base]/[type]?criteria. https://hl7.org/fhir/R4/http.html#cdelete
// No match: 204 and nothing written; one match: delete it; several: 412 unless FHIR_CONDITIONAL_DELETE_MULTIPLE
// allows deleting them all (in one transaction, at most MAX_CONDITIONAL_DELETES).
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { FhirResult } from '../outcome/fhir-result';
import { FhirError } from '../outcome/operation-outcome';
import { DatabaseSession } from '../storage/database-session';
import { canonicalCriteria, ConditionalMatcher, tooManyMatches } from './conditional-criteria';
import { DeleteInteraction } from './delete.interaction';
import { Query } from './paging';
import { Headers } from './request-headers';

export const MAX_CONDITIONAL_DELETES = 1000;

@Injectable()
export class ConditionalDeleteInteraction {
  constructor(
    private readonly matcher: ConditionalMatcher,
    private readonly deleteInteraction: DeleteInteraction,
    private readonly db: DatabaseSession,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(type: string, criteria: Query, headers: Headers): Promise<FhirResult> {
    const multiple = this.config.conditionalDeleteMultiple;
    return this.db.transaction(async () => {
      const matches = await this.matcher.lockAndMatch(type, criteria, multiple ? MAX_CONDITIONAL_DELETES + 1 : 2);
      if (matches.length > 1 && !multiple) throw tooManyMatches(type, criteria, 'The conditional delete');
      if (matches.length > MAX_CONDITIONAL_DELETES) {
        throw FhirError.of(412, 'too-costly', 'condition-too-many-matches',
          `The conditional delete ${type}?${canonicalCriteria(criteria)} matches more than ${MAX_CONDITIONAL_DELETES} resources`);
      }
      let last: FhirResult = { status: 204 };
      for (const id of matches) last = await this.deleteInteraction.execute(type, id, headers);
      return matches.length === 1 ? last : { status: 204 };
    });
  }
}
