import { z } from 'zod';
import { defineQuery, type QueryContract } from './contract.js';

/** One dependency check (database, broker, downstream service) inside a health reply. */
export const healthCheckSchema = z.object({
  ok: z.boolean(),
  latencyMs: z.number().min(0).optional(),
  error: z.string().optional(),
});
export type HealthCheck = z.infer<typeof healthCheckSchema>;

/** Request of every `<service>.qry.Health`: nothing to ask. */
export const healthRequestSchema = z.object({});
export type HealthRequest = z.infer<typeof healthRequestSchema>;

/** Reply of every `<service>.qry.Health`; the gateway's /readyz aggregates these. */
export const healthReplySchema = z.object({
  service: z.string().min(1),
  // A degraded service still answers (e.g. its async projections lag); an unhealthy one does not reply.
  status: z.enum(['ok', 'degraded']),
  checks: z.record(z.string(), healthCheckSchema),
});
export type HealthReply = z.infer<typeof healthReplySchema>;

export type HealthQuery = QueryContract<typeof healthRequestSchema, typeof healthReplySchema>;

/** The `<service>.qry.Health` contract; every NATS-facing service answers one. */
export const healthQuery = (service: string): HealthQuery =>
  defineQuery({
    service,
    name: 'Health',
    request: healthRequestSchema,
    reply: healthReplySchema,
    description: `Readiness of ${service} and of the dependencies it checks.`,
  });
