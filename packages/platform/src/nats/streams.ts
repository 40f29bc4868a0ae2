import { EVENTS_STREAM_SUBJECTS, EXTERNAL_STREAM_SUBJECTS } from '@ledgerline/contracts';
import {
  JetStreamApiCodes,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { nanos } from '@nats-io/transport-node';
import { baseConfigSchema, loadConfig } from '../config/loadConfig.js';

/** JetStream streams every deployment has: public domain events and received external events. */
export const STREAMS = {
  events: { name: 'EVENTS', subjects: [EVENTS_STREAM_SUBJECTS] },
  external: { name: 'EXTERNAL', subjects: [EXTERNAL_STREAM_SUBJECTS] },
} as const;

export interface EnsureStreamsOptions {
  /** `Nats-Msg-Id` de-duplication window; the relay and webhooks must retry within it. */
  readonly duplicateWindowMs?: number;
  /** Stream replicas; default JETSTREAM_REPLICAS (1). */
  readonly replicas?: number;
  /** Retention limits, 0 = unlimited; default JETSTREAM_MAX_AGE_SECONDS / JETSTREAM_MAX_BYTES. */
  readonly maxAgeSeconds?: number;
  readonly maxBytes?: number;
}

const streamLimitsSchema = baseConfigSchema.pick({
  JETSTREAM_REPLICAS: true,
  JETSTREAM_MAX_AGE_SECONDS: true,
  JETSTREAM_MAX_BYTES: true,
});

interface StreamLimits {
  readonly duplicateWindow: number;
  readonly replicas: number;
  readonly maxAge: number;
  readonly maxBytes: number;
}

const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;
// JetStream API error 10058: "stream name already in use" (another process created it first).
const STREAM_NAME_IN_USE = 10058;

/** Creates or updates EVENTS and EXTERNAL; idempotent and safe when many processes start at once. */
export async function ensureStreams(
  nc: NatsConnection,
  options: EnsureStreamsOptions = {},
): Promise<StreamInfo[]> {
  const jsm = await jetstreamManager(nc);
  // Deployments set replicas and limits through the environment (the Helm chart's `jetstream` values).
  const env = loadConfig(streamLimitsSchema);
  const limits: StreamLimits = {
    duplicateWindow: nanos(options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
    replicas: options.replicas ?? env.JETSTREAM_REPLICAS,
    maxAge: nanos((options.maxAgeSeconds ?? env.JETSTREAM_MAX_AGE_SECONDS) * 1000),
    maxBytes: (options.maxBytes ?? env.JETSTREAM_MAX_BYTES) || -1,
  };
  const desired = Object.values(STREAMS).map((s) => streamConfig(s.name, [...s.subjects], limits));
  const infos: StreamInfo[] = [];
  for (const config of desired) infos.push(await ensureStream(jsm, config));
  return infos;
}

function streamConfig(name: string, subjects: string[], limits: StreamLimits): StreamConfig {
  return {
    name,
    subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: limits.duplicateWindow,
    num_replicas: limits.replicas,
    max_age: limits.maxAge,
    max_bytes: limits.maxBytes,
  } as StreamConfig;
}

async function ensureStream(jsm: JetStreamManager, config: StreamConfig): Promise<StreamInfo> {
  const existing = await findStream(jsm, config.name);
  if (existing) return updateIfChanged(jsm, existing, config);
  try {
    return await jsm.streams.add(config);
  } catch (error) {
    if (apiCode(error) !== STREAM_NAME_IN_USE) throw error;
    // Lost the creation race: someone else's config may differ (say, an older window), so converge.
    return updateIfChanged(jsm, await jsm.streams.info(config.name), config);
  }
}

async function findStream(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (apiCode(error) === JetStreamApiCodes.StreamNotFound) return undefined;
    throw error;
  }
}

// Storage and retention cannot change after creation; a mismatch is an operator decision, not ours.
async function updateIfChanged(jsm: JetStreamManager, info: StreamInfo, config: StreamConfig) {
  const current = info.config;
  const sameSubjects = [...current.subjects].sort().join() === [...config.subjects].sort().join();
  if (current.storage !== config.storage || current.retention !== config.retention) {
    throw new Error(
      `JetStream stream ${config.name} exists with storage=${current.storage} retention=${current.retention}; ` +
        `expected storage=${config.storage} retention=${config.retention} (these cannot be changed in place)`,
    );
  }
  const sameLimits =
    current.num_replicas === config.num_replicas &&
    current.max_age === config.max_age &&
    current.max_bytes === config.max_bytes;
  if (sameSubjects && sameLimits && current.duplicate_window === config.duplicate_window) return info;
  return jsm.streams.update(config.name, {
    ...current,
    subjects: config.subjects,
    duplicate_window: config.duplicate_window,
    num_replicas: config.num_replicas,
    max_age: config.max_age,
    max_bytes: config.max_bytes,
  });
}

function apiCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}
