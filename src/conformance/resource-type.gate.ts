// Refuses types this server does not serve (404) and interactions a served type does not allow (405 + Allow).
import { Injectable } from '@nestjs/common';
import { ConformanceRegistry, Interaction } from './conformance.registry';
import { FhirError, issue } from '../outcome/operation-outcome';

// The HTTP methods of each interaction, grouped by the address it is made at.
const ADDRESS_OF: Record<Interaction, 'type' | 'instance' | 'history'> = {
  read: 'instance', update: 'instance', patch: 'instance', delete: 'instance',
  create: 'type', 'search-type': 'type',
  vread: 'history', 'history-instance': 'history', 'history-type': 'history',
};
const METHODS_OF: Record<Interaction, string[]> = {
  read: ['GET', 'HEAD'], update: ['PUT'], patch: ['PATCH'], delete: ['DELETE'],
  create: ['POST'], 'search-type': ['GET', 'HEAD'],
  vread: ['GET', 'HEAD'], 'history-instance': ['GET', 'HEAD'], 'history-type': ['GET', 'HEAD'],
};

@Injectable()
export class ResourceTypeGate {
  constructor(private readonly registry: ConformanceRegistry) {}

  require(type: string, interaction: Interaction): void {
    if (!this.registry.isEnabled(type)) {
      throw FhirError.of(404, 'not-supported', 'unknown-resource-type', `Resource type "${type.slice(0, 64)}" is not served here`);
    }
    if (!this.registry.supports(type, interaction)) {
      throw this.notAllowed(type, interaction, 'interaction-not-supported', `The ${interaction} interaction is not enabled for ${type}`);
    }
  }

  /** A 405 naming, in Allow, the methods this type does support at the address of `interaction`. */
  notAllowed(type: string, interaction: Interaction, errorCode: string, text: string, except: string[] = []): FhirError {
    const methods = new Set<string>();
    for (const i of this.registry.interactions(type)) {
      if (ADDRESS_OF[i] === ADDRESS_OF[interaction]) METHODS_OF[i].forEach((m) => methods.add(m));
    }
    except.forEach((m) => methods.delete(m));
    return new FhirError(405, [issue('error', 'not-supported', errorCode, text)], { allow: [...methods].join(', ') });
  }
}
