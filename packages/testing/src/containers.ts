import { GenericContainer, Wait } from 'testcontainers';

/** Starts Postgres, NATS (JetStream) and Redis containers; used only when a Docker daemon answers. */
export async function startContainers(): Promise<{ postgres: string; nats: string; redis: string }> {
  try {
    const [pg, nats, redis] = await Promise.all([
      new GenericContainer('postgres:17-alpine')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
        .start(),
      new GenericContainer('nats:2.11-alpine').withCommand(['-js']).withExposedPorts(4222).start(),
      new GenericContainer('redis:7-alpine').withExposedPorts(6379).start(),
    ]);
    return {
      postgres: `postgres://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`,
      nats: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
      redis: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    };
  } catch (error) {
    // A socket file without a daemon behind it: fall back to localhost, say why.
    console.warn(`testcontainers unavailable (${(error as Error).message}); using localhost services`);
    return {
      postgres: 'postgres://postgres@127.0.0.1:5432/postgres',
      nats: 'nats://127.0.0.1:4222',
      redis: 'redis://127.0.0.1:6379',
    };
  }
}
