import { ValidationError } from '@ledgerline/contracts';
import type { TierLimits } from '../config.js';

// Which uploads a tier allows (pure). Refusals carry a `reason` the gateway maps to 413 or 422.

/** Active content that a browser would run if served inline: refused unless explicitly allowed. */
const ACTIVE_CONTENT = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
]);

/** The content types a tier allows for a purpose (the purpose map narrows the tier's list). */
export function allowedTypes(limits: TierLimits, purpose: string | null): string[] {
  const base = limits.contentTypes.filter(
    (type) => !ACTIVE_CONTENT.has(type) || limits.unsniffableTypes.includes(type),
  );
  if (purpose === null || limits.purposes === undefined) return base;
  const narrowed = limits.purposes[purpose];
  if (narrowed === undefined) return [];
  return base.filter((type) => narrowed.includes(type));
}

/** Refuses, before any byte is sent, an upload the tier does not allow. */
export function checkUploadAllowed(
  limits: TierLimits,
  request: { contentType: string; size: number; purpose: string | null },
): void {
  if (request.size > limits.maxFileBytes) {
    throw new ValidationError(`The file is larger than the ${limits.maxFileBytes} bytes your plan allows`, {
      reason: 'file_too_large',
      maxFileBytes: limits.maxFileBytes,
      requestedBytes: request.size,
    });
  }
  if (request.purpose !== null && limits.purposes !== undefined && !(request.purpose in limits.purposes)) {
    throw new ValidationError(`Unknown purpose "${request.purpose}"`, {
      reason: 'purpose_not_allowed',
      purposes: Object.keys(limits.purposes),
    });
  }
  const allowed = allowedTypes(limits, request.purpose);
  if (!allowed.includes(request.contentType)) {
    throw new ValidationError(`Content type ${request.contentType} is not allowed here`, {
      reason: 'content_type_not_allowed',
      allowed,
    });
  }
}

/**
 * The verdict on the stored bytes' type: the sniffed type must equal the declared one and be
 * allowed; bytes `file-type` cannot sniff pass only as an explicitly allowed text format whose bytes
 * really are text. Returns the verified type, or undefined for a type mismatch.
 */
export function verifiedType(
  limits: TierLimits,
  declared: string,
  purpose: string | null,
  sniffed: string | undefined,
  isText: boolean,
): string | undefined {
  const allowed = allowedTypes(limits, purpose);
  if (!allowed.includes(declared)) return undefined;
  if (sniffed !== undefined) return sniffed === declared ? declared : undefined;
  return limits.unsniffableTypes.includes(declared) && isText ? declared : undefined;
}
