// Holds the CapabilityStatement built once at start from the registry and configuration.
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { buildCapabilityStatement } from './capability-statement.builder';
import { ConformanceRegistry } from './conformance.registry';
import { SearchParameterRegistry } from '../search/search-parameter.registry';

@Injectable()
export class CapabilitiesService {
  readonly statement: Record<string, unknown>;

  constructor(registry: ConformanceRegistry, searchParams: SearchParameterRegistry, @Inject(APP_CONFIG) config: AppConfig) {
    this.statement = buildCapabilityStatement(registry, config, new Date(), searchParams);
  }
}
