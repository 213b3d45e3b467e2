// Declares what a route does for the access guard. A route with neither this nor @Public is refused.
import { SetMetadata } from '@nestjs/common';
import { AccessRule } from './interaction-permissions';

export const ACCESS_RULE = 'fhir:access-rule';
export const Access = (rule: AccessRule): MethodDecorator => SetMetadata(ACCESS_RULE, rule);
