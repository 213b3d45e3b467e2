// Refuses types this server does not serve (404) and interactions a served type does not allow (405).
import { Injectable } from '@nestjs/common';
import { ConformanceRegistry, Interaction } from '../conformance/conformance.registry';
import { FhirError, issue } from '../outcome/operation-outcome';

@Injectable()
export class ResourceTypeGate {
  constructor(private readonly registry: ConformanceRegistry) {}

  require(type: string, interaction: Interaction): void {
    if (!this.registry.isEnabled(type)) {
      throw FhirError.of(404, 'not-supported', 'unknown-resource-type', `Resource type "${type.slice(0, 64)}" is not served here`);
    }
    if (!this.registry.supports(type, interaction)) {
      throw new FhirError(
        405,
        [issue('error', 'not-supported', 'interaction-not-supported', `The ${interaction} interaction is not enabled for ${type}`)],
        { allow: this.allowed(type).join(', ') },
      );
    }
  }

  private allowed(type: string): string[] {
    const methods = new Set<string>();
    for (const i of this.registry.interactions(type)) {
      if (i === 'read' || i === 'vread' || i.startsWith('history') || i === 'search-type') methods.add('GET');
      if (i === 'create' || i === 'search-type') methods.add('POST');
      if (i === 'update') methods.add('PUT');
      if (i === 'patch') methods.add('PATCH');
      if (i === 'delete') methods.add('DELETE');
    }
    return [...methods];
  }
}
