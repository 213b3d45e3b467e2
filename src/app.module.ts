// Wires the request pipeline: access guard, FHIR controller, interactions, storage, validation.
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access/access.guard';
import { AccessPolicy } from './access/access-policy';
import { AccessExplainController } from './access/access-explain.controller';
import { AccessExplainer } from './access/access-explainer';
import { AccessTokenVerifier } from './auth/access-token.verifier';
import { BearerTokenResolver } from './auth/bearer-token.resolver';
import { SmartBearerStrategy } from './auth/smart-bearer.strategy';
import { PrincipalResolver } from './auth/fhir-principal';
import { AuditEventController } from './audit/audit-event.controller';
import { AuditEventInteraction } from './audit/audit-event.interaction';
import { AuditTrail } from './audit/audit-trail.service';
import { AuthorizationAudit } from './audit/authorization.audit';
import { AppConfig, APP_CONFIG } from './config/app.config';
import { CapabilitiesService } from './conformance/capabilities.service';
import { ConformanceRegistry } from './conformance/conformance.registry';
import { databaseProviders, DatabaseLifecycle } from './database/database.providers';
import { FhirController } from './http/fhir.controller';
import { ResourceTypeGate } from './conformance/resource-type.gate';
import { BatchProcessor } from './interactions/bundle/batch.processor';
import { BundleEntryRunner } from './interactions/bundle/bundle-entry.runner';
import { BundleReferenceResolver } from './interactions/bundle/bundle-references';
import { BundleInteraction } from './interactions/bundle/bundle.interaction';
import { TransactionProcessor } from './interactions/bundle/transaction.processor';
import { ConditionalMatcher } from './interactions/conditional-criteria';
import { ConditionalDeleteInteraction } from './interactions/conditional-delete.interaction';
import { ConditionalUpdateInteraction } from './interactions/conditional-update.interaction';
import { CreateInteraction } from './interactions/create.interaction';
import { DeleteInteraction } from './interactions/delete.interaction';
import { HistoryInteraction } from './interactions/history.interaction';
import { PatchInteraction } from './interactions/patch.interaction';
import { ReadInteraction } from './interactions/read.interaction';
import { ResourceBodyChecker } from './interactions/resource-body';
import { SearchTypeInteraction } from './interactions/search-type.interaction';
import { UpdateInteraction } from './interactions/update.interaction';
import { VreadInteraction } from './interactions/vread.interaction';
import { AllExceptionsFilter } from './outcome/all-exceptions.filter';
import { PatientCompartmentIndexer } from './search/patient-compartment.indexer';
import { SearchIndexWriter } from './search/search-index.writer';
import { IncludeRunner } from './search/include.runner';
import { PageCursors } from './search/page-cursor';
import { ResultShaper } from './search/result-shaping';
import { SearchEngine } from './search/search.engine';
import { ServerSecrets } from './storage/server-secrets';
import { ClientsRepository } from './smart/clients.repository';
import { RemoteJwks } from './smart/remote-jwks';
import { SecretSealer } from './smart/secret-sealer';
import { UsersRepository } from './smart/users.repository';
import { OidcProviderHost } from './smart/oidc-provider.factory';
import { SmartConfigurationController } from './smart/smart-configuration.controller';
import { SmartContextStore } from './smart/smart-context.store';
import { ConsentService } from './smart/consent.service';
import { CsrfTokens } from './smart/csrf';
import { InteractionController } from './smart/interaction.controller';
import { LauncherController } from './smart/launcher.controller';
import { LauncherSessions } from './smart/launcher-session';
import { LoginThrottle } from './smart/login-throttle';
import { PasswordSignIn } from './smart/password-sign-in';
import { PatientLookup } from './smart/patient-lookup';
import { SmartStyleController } from './smart/smart-style.controller';
import { SearchParameterRegistry } from './search/search-parameter.registry';
import { SearchIndexer } from './search/search.indexer';
import { DatabaseSession } from './storage/database-session';
import { HistoryRepository } from './storage/history.repository';
import { ResourceRepository } from './storage/resource.repository';
import { SearchRepository } from './storage/search.repository';
import { ResourceValidator } from './validation/resource.validator';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [SmartConfigurationController, InteractionController, LauncherController, SmartStyleController, AccessExplainController, AuditEventController, FhirController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ConformanceRegistry, useFactory: () => ConformanceRegistry.load(config.profilesDir) },
        { provide: PrincipalResolver, useClass: BearerTokenResolver },
        { provide: APP_GUARD, useClass: AccessGuard },
        AccessPolicy,
        AccessExplainer,
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        ...databaseProviders,
        DatabaseLifecycle,
        DatabaseSession,
        AuditTrail,
        AuditEventInteraction,
        AuthorizationAudit,
        CapabilitiesService,
        ResourceTypeGate,
        ResourceValidator,
        ResourceBodyChecker,
        SearchParameterRegistry,
        SearchIndexer,
        SearchEngine,
        ServerSecrets,
        SecretSealer,
        RemoteJwks,
        UsersRepository,
        ClientsRepository,
        SmartContextStore,
        CsrfTokens,
        LoginThrottle,
        PasswordSignIn,
        PatientLookup,
        ConsentService,
        LauncherSessions,
        OidcProviderHost,
        AccessTokenVerifier,
        SmartBearerStrategy,
        PageCursors,
        IncludeRunner,
        ResultShaper,
        PatientCompartmentIndexer,
        SearchIndexWriter,
        ResourceRepository,
        HistoryRepository,
        SearchRepository,
        ReadInteraction,
        VreadInteraction,
        CreateInteraction,
        UpdateInteraction,
        PatchInteraction,
        DeleteInteraction,
        HistoryInteraction,
        SearchTypeInteraction,
        ConditionalMatcher,
        ConditionalUpdateInteraction,
        ConditionalDeleteInteraction,
        BundleReferenceResolver,
        BundleEntryRunner,
        TransactionProcessor,
        BatchProcessor,
        BundleInteraction,
      ],
    };
  }
}
