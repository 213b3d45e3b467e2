// Marks the few routes that answer without credentials; everything else is protected by default.
import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'fhir:public-route';
export const Public = (): MethodDecorator => SetMetadata(PUBLIC_ROUTE, true);
