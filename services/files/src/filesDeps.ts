import type { MessageMeta } from '@ledgerline/contracts';
import { type PostgresEventStore, schemasOf } from '@ledgerline/eventsourcing';
import type { Logger, ServiceConfig, ServiceContext } from '@ledgerline/platform';
import type pg from 'pg';
import type { filesConfigSchema, Tiers } from './config.js';
import type { PrismaClient } from './generated/prisma/client.js';
import type { ObjectStore } from './s3/objectStore.js';
import type { KeyedTurns } from './storage/keyedTurns.js';
import { StorageAccounts } from './storage/storageAccounts.js';
import type { UploadTiers, UserTier } from './tiers/userTiers.js';
import { type Reservation, reservationTurns } from './uploads/reserveUpload.js';
import { crashHooks } from './verification/crashHooks.js';
import type { HashThread } from './verification/sha256.js';
import { Slots } from './verification/slots.js';

/** The configuration the features read (a view of the service's config). */
export interface FilesSettings {
  readonly S3_BUCKET: string;
  readonly UPLOAD_TTL_SECONDS: number;
  readonly MULTIPART_THRESHOLD_BYTES: number;
  readonly MULTIPART_PART_BYTES: number;
  readonly DOWNLOAD_URL_TTL_SECONDS: number;
  readonly CLAMAV_URL?: string | undefined;
  readonly CLAMAV_TIMEOUT_MS: number;
  readonly FILES_TIERS: Tiers;
  readonly SWEEP_HOUR_UTC: number;
  readonly VERIFY_CONCURRENCY: number;
  readonly VERIFY_TIMEOUT_MS: number;
  readonly VERIFY_RETRY_BASE_MS: number;
  readonly REMOVAL_RETRY_BASE_MS: number;
}

/** A verification step just recorded; tests stop the process between steps through this hook. */
export type VerificationStep = 'checked' | 'hashed' | 'copy-written' | 'copied' | 'quarantine-deleted';

export interface VerificationHooks {
  afterStep?(step: VerificationStep, fileId: string): Promise<void> | void;
}

/** What the files features work with (built once at start from the service context). */
export interface FilesDeps {
  readonly store: PostgresEventStore;
  readonly pool: pg.Pool;
  /** The read-model schema (`<schema>_rm`), for the write side's own one-statement reads. */
  readonly readModel: string;
  /** Queries on the read models (Prisma); writes go through the projections and the tier consumer. */
  readonly readModels: ReadModels;
  readonly objects: ObjectStore;
  /** SHA-256 of large objects off the event loop (see HashThread). */
  readonly hashing: HashThread;
  readonly settings: FilesSettings;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly hooks: VerificationHooks;
  /** The uploading user's tier and activation (the tier consumer's read model; remembered while changes are heard). */
  readonly userTier: (userId: string) => Promise<UserTier>;
  /** This process's remembered storage snapshots (see reserveUpload). */
  readonly storage: StorageAccounts;
  /** Quota reservations, one turn per user at a time; requests arriving meanwhile share the next. */
  readonly reservations: KeyedTurns<string, Reservation, void>;
  /** Verifications running in this process, by fileId (one run per upload at a time). */
  readonly verifying: Map<string, Promise<unknown>>;
  /** VERIFY_CONCURRENCY verifications run at once in this process; the others wait. */
  readonly verifySlots: Slots;
  /** JetStream durable names (config; tests pass unique ones). */
  readonly durables: {
    readonly saga: string;
    readonly tiers: string;
    readonly notifications: string;
  };
  /** The workers' NATS connection (the bucket-notification consumer). */
  readonly nats: FilesContext['nats'];
}

export const isAdmin = (meta: MessageMeta): boolean => meta.actor.roles?.includes('admin') ?? false;

export type FilesConfig = ServiceConfig<typeof filesConfigSchema>;
/** Files' Prisma client: queries on the read models in `<schema>_rm`. */
export type ReadModels = PrismaClient;
/** What the features get: the runtime's context with this service's config and resources. */
export type FilesContext = ServiceContext<
  FilesConfig,
  ReadModels,
  { objects: ObjectStore; hashing: HashThread; tiers: UploadTiers }
>;

/** Every feature's deps, built once at start from the context. */
export function filesDeps(ctx: FilesContext): FilesDeps {
  const { config } = ctx;
  const deps: FilesDeps = {
    store: ctx.store,
    pool: ctx.pool,
    readModel: schemasOf(ctx.schema).readModel,
    readModels: ctx.readModels,
    objects: ctx.resources.objects,
    hashing: ctx.resources.hashing,
    settings: config,
    clock: () => new Date(),
    logger: ctx.logger,
    hooks: crashHooks(config.FILES_CRASH_AT),
    userTier: (userId) => ctx.resources.tiers.of(userId),
    storage: new StorageAccounts(),
    reservations: reservationTurns(() => deps),
    verifying: new Map(),
    verifySlots: new Slots(config.VERIFY_CONCURRENCY),
    durables: {
      saga: config.FILES_SAGA_DURABLE,
      tiers: config.FILES_TIERS_DURABLE,
      notifications: config.FILES_NOTIFICATIONS_DURABLE,
    },
    nats: ctx.nats,
  };
  return deps;
}
