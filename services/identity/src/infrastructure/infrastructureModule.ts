import { type DynamicModule, Module } from '@nestjs/common';
import type { IdentityInfrastructure } from './infrastructure.js';
import { CONFIG, EVENT_STORE, INFRASTRUCTURE, PASSWORDS, PG_POOL, PRISMA, REDIS } from './tokens.js';

/**
 * Offers the already-built infrastructure to every feature module (global). It is built before
 * Nest starts, so migrations run first and int tests can use it without Nest; whoever built it
 * closes it (main's shutdown closers, or the test's afterAll).
 */
@Module({})
export class InfrastructureModule {
  static forRoot(infra: IdentityInfrastructure): DynamicModule {
    const providers = [
      { provide: INFRASTRUCTURE, useValue: infra },
      { provide: CONFIG, useValue: infra.config },
      { provide: PG_POOL, useValue: infra.pool },
      { provide: PRISMA, useValue: infra.prisma },
      { provide: EVENT_STORE, useValue: infra.store },
      { provide: REDIS, useValue: infra.redis },
      { provide: PASSWORDS, useValue: infra.passwords },
    ];
    return {
      module: InfrastructureModule,
      global: true,
      providers,
      exports: providers.map((p) => p.provide),
    };
  }
}
