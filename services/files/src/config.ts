import { type DeepReadonly, envBoolean, envInt } from '@ledgerline/platform/config';
import { z } from 'zod';
import { CRASH_POINTS, type CrashPoint } from './verification/crashHooks.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const mimeType = z.string().regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/);

/** One tier's limits. `purposes` narrows the content types per purpose (a purpose not listed is refused). */
export const tierLimitsSchema = z.object({
  quotaBytes: z.int().min(0),
  maxFileBytes: z.int().min(1),
  contentTypes: z.array(mimeType).min(1),
  purposes: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/), z.array(mimeType)).optional(),
  /**
   * Text formats `file-type` cannot sniff (text/plain, text/csv, application/json): accepted only when
   * listed here and the bytes are valid UTF-8 without NUL. SVG and HTML are refused unless listed.
   */
  unsniffableTypes: z.array(mimeType).default([]),
});
export type TierLimits = DeepReadonly<z.output<typeof tierLimitsSchema>>;

export const tiersSchema = z.object({
  free: tierLimitsSchema,
  pro: tierLimitsSchema,
  enterprise: tierLimitsSchema,
});
export type Tiers = DeepReadonly<z.output<typeof tiersSchema>>;

const IMAGES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
export const DEFAULT_TIERS: z.input<typeof tiersSchema> = {
  free: {
    quotaBytes: GiB,
    maxFileBytes: 100 * MiB,
    contentTypes: ['image/png', 'image/jpeg', 'application/pdf'],
    purposes: {
      avatar: ['image/png', 'image/jpeg'],
      document: ['application/pdf', 'image/png', 'image/jpeg'],
    },
  },
  pro: {
    quotaBytes: 100 * GiB,
    maxFileBytes: 5 * GiB,
    contentTypes: [...IMAGES, 'application/pdf', 'application/zip', 'video/mp4', 'text/plain', 'text/csv'],
    unsniffableTypes: ['text/plain', 'text/csv'],
  },
  enterprise: {
    quotaBytes: 1024 * GiB,
    maxFileBytes: 50 * GiB,
    contentTypes: [...IMAGES, 'application/pdf', 'application/zip', 'video/mp4', 'text/plain', 'text/csv'],
    unsniffableTypes: ['text/plain', 'text/csv'],
  },
};

const tiersJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'must be JSON like {"free":{"quotaBytes":…},"pro":…,"enterprise":…}',
      });
      return z.NEVER;
    }
  })
  .pipe(tiersSchema);

/** The files service's own variables (the runtime adds DATABASE_URL, NATS_URL, SERVICE_SCHEMA …). */
export const filesConfigSchema = z.object({
  /** Empty: AWS. Set for MinIO or a test server, e.g. http://127.0.0.1:9000. */
  S3_ENDPOINT: z.union([z.literal(''), z.url()]).default(''),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().min(3).max(63).default('ledgerline-files'),
  /** Unset (both): the SDK's default credential chain (IRSA, instance profile, AWS_* variables). */
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: envBoolean().default(true),
  /** The endpoint clients use in presigned URLs when it differs (compose: localhost vs minio). */
  S3_PUBLIC_ENDPOINT: z.union([z.literal(''), z.url()]).default(''),
  UPLOAD_TTL_SECONDS: envInt()
    .min(10)
    .max(7 * 86_400)
    .default(3600),
  MULTIPART_THRESHOLD_BYTES: envInt()
    .min(5 * MiB)
    .default(64 * MiB),
  /** Part size of multipart uploads (S3: at least 5 MiB, at most 10,000 parts). */
  MULTIPART_PART_BYTES: envInt()
    .min(5 * MiB)
    .default(16 * MiB),
  DOWNLOAD_URL_TTL_SECONDS: envInt().min(1).max(604_800).default(300),
  /** clamd, e.g. tcp://clamav:3310; unset: no virus scan. */
  CLAMAV_URL: z.url({ protocol: /^tcp$/ }).optional(),
  CLAMAV_TIMEOUT_MS: envInt().min(100).default(30_000),
  /** Per-tier limits as JSON (see .env.example). */
  FILES_TIERS: tiersJson.prefault(JSON.stringify(DEFAULT_TIERS)),
  /** Uploads verified at once by one process (the saga has more commands in flight; they wait). */
  VERIFY_CONCURRENCY: envInt().min(1).max(64).default(4),
  /**
   * How long one VerifyUpload may run before the saga resends it (the resend joins the run in
   * progress); raise it where objects near the size limit take longer to hash. A crashed process's
   * claim on the command lapses this long + 10 s after it was taken.
   */
  VERIFY_TIMEOUT_MS: envInt().min(1_000).default(10_000),
  /** First delay of the verification retry ladder (5 retries, doubling) before `rejected: missing`. */
  VERIFY_RETRY_BASE_MS: envInt().min(10).default(500),
  /** First delay of the object-removal retry ladder (6 retries, doubling) before a dead letter. */
  REMOVAL_RETRY_BASE_MS: envInt().min(10).default(1_000),
  /** Test only: the process SIGKILLs itself when a verification reaches this point (crash tests). */
  FILES_CRASH_AT: z.enum(Object.keys(CRASH_POINTS) as [CrashPoint, ...CrashPoint[]]).optional(),
  /** Nightly sweep of orphans under incoming/: UTC hour it runs at. */
  SWEEP_HOUR_UTC: envInt().min(0).max(23).default(3),
  /** JetStream durable names (tests pass unique ones). */
  FILES_SAGA_DURABLE: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('files-verification'),
  FILES_TIERS_DURABLE: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('files-tiers'),
  FILES_NOTIFICATIONS_DURABLE: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('files-s3-notifications'),
});
export type FilesOwnConfig = z.output<typeof filesConfigSchema>;
