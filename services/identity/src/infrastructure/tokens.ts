// Nest injection tokens for identity's infrastructure. Symbols, so two providers can never collide
// by a typo'd string; feature modules inject these and nothing else from the infrastructure.

/** The frozen {@link IdentityConfig}. */
export const CONFIG = Symbol('identity.config');
/** The pg Pool shared by the event store, Prisma and health checks. */
export const PG_POOL = Symbol('identity.pgPool');
/** The Prisma client over `<service>_rm` ({@link ReadModels}). */
export const PRISMA = Symbol('identity.prisma');
/** The service's PostgresEventStore, with every feature's inline projections. */
export const EVENT_STORE = Symbol('identity.eventStore');
/** The ioredis client (throttling, short-lived challenges). */
export const REDIS = Symbol('identity.redis');
/** The password hasher configured with the argon2 parameters. */
export const PASSWORDS = Symbol('identity.passwords');
/** The whole {@link IdentityInfrastructure}, for factories that need several parts. */
export const INFRASTRUCTURE = Symbol('identity.infrastructure');
