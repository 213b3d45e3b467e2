// POST /admin/access/explain, for administrators only: what a caller with the given scopes and launch context
// could do with one resource, and which rule decides it (scope missing, outside the compartment or the
// practitioner's patients, scope restriction not met). It answers about a hypothetical caller and changes nothing.
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { FhirPrincipal } from '../auth/fhir-principal';
import { FhirError } from '../outcome/operation-outcome';
import { AccessExplainer, AccessExplanation } from './access-explainer';
import { AccessPolicy } from './access-policy';
import { Access } from './access-rule.decorator';
import { PERMISSIONS } from './interaction-permissions';

const RESOURCE = /^([A-Z][A-Za-z]{0,63})\/([A-Za-z0-9\-.]{1,64})$/;
const ROLES = ['patient', 'practitioner', 'admin'];

interface ExplainRequest {
  scope?: unknown;
  patient?: unknown;
  fhirUser?: unknown;
  role?: unknown;
  interaction?: unknown;
  resource?: unknown;
}

function bad(text: string): FhirError {
  return FhirError.of(400, 'invalid', 'invalid-explain-request', text);
}

function optionalText(value: unknown, name: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) throw bad(`${name} must be a string of at most ${max} characters`);
  return value;
}

@Controller('admin/access')
export class AccessExplainController {
  constructor(
    private readonly policy: AccessPolicy,
    private readonly explainer: AccessExplainer,
  ) {}

  @Access('admin')
  @Post('explain')
  @HttpCode(200)
  async explain(@Body() body: ExplainRequest): Promise<AccessExplanation & { interaction: string; resource: string }> {
    if (body === null || typeof body !== 'object') throw bad('Send a JSON object');
    const scope = optionalText(body.scope, 'scope', 4000) ?? '';
    const interaction = optionalText(body.interaction, 'interaction', 40) ?? 'read';
    if (!Object.hasOwn(PERMISSIONS, interaction)) throw bad(`interaction must be one of ${Object.keys(PERMISSIONS).join(', ')}`);
    const target = RESOURCE.exec(optionalText(body.resource, 'resource', 130) ?? '');
    if (!target) throw bad('resource must be Type/id');
    const role = optionalText(body.role, 'role', 20);
    if (role !== undefined && !ROLES.includes(role)) throw bad(`role must be one of ${ROLES.join(', ')}, or absent for a backend service`);
    const principal: FhirPrincipal = {
      subject: 'explain', clientId: role === undefined ? 'explain' : 'explain-app', scopes: scope.split(' ').filter((s) => s !== ''),
      role: role as FhirPrincipal['role'], patient: optionalText(body.patient, 'patient', 64), fhirUser: optionalText(body.fhirUser, 'fhirUser', 130),
    };
    // A patient user's launch patient is the record the account is linked to.
    if (principal.role === 'patient' && principal.fhirUser === undefined && principal.patient !== undefined) principal.fhirUser = `Patient/${principal.patient}`;
    const access = this.policy.contextFor(principal);
    let answer: AccessExplanation = { decision: 'allowed', detail: '' };
    for (const permission of PERMISSIONS[interaction as keyof typeof PERMISSIONS]) {
      answer = await this.explainer.explain(access, target[1], target[2], permission);
      if (answer.decision !== 'allowed') break;
    }
    return { interaction, resource: `${target[1]}/${target[2]}`, ...answer };
  }
}
