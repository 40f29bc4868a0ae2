import { type DynamicModule, Module } from '@nestjs/common';
import { featureModules } from './features.js';
import type { IdentityInfrastructure } from './infrastructure/infrastructure.js';
import { InfrastructureModule } from './infrastructure/infrastructureModule.js';

/** Identity's root module: the infrastructure (global) and every feature module. */
@Module({})
export class IdentityModule {
  static forRoot(infra: IdentityInfrastructure): DynamicModule {
    return { module: IdentityModule, imports: [InfrastructureModule.forRoot(infra), ...featureModules] };
  }
}
