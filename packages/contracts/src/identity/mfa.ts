import { z } from 'zod';
import { defineCommand } from '../contract.js';
import { emptySchema } from './common.js';
import { IDENTITY } from './registration.js';

const codeSchema = z.string().regex(/^\d{6}$/, 'six digits');

/** `identity.cmd.StartTotpEnrolment`: a new secret, not active until confirmed. */
export const startTotpEnrolmentCommand = defineCommand({
  service: IDENTITY,
  name: 'StartTotpEnrolment',
  request: z.object({ userId: z.uuid() }),
  reply: z.object({ secret: z.string(), otpauthUri: z.string(), qrSvg: z.string() }),
  description: 'Begin TOTP enrolment: returns the secret, its otpauth:// URI and a QR code (SVG).',
});

/** `identity.cmd.ConfirmTotpEnrolment`: turns MFA on and returns 10 single-use recovery codes, once. */
export const confirmTotpEnrolmentCommand = defineCommand({
  service: IDENTITY,
  name: 'ConfirmTotpEnrolment',
  request: z.object({ userId: z.uuid(), code: codeSchema }),
  reply: z.object({ recoveryCodes: z.array(z.string()).length(10) }),
  description: 'Confirm TOTP enrolment with a current code; MFA is then required at sign-in.',
});

/** `identity.cmd.DisableTotp`: needs a fresh code. */
export const disableTotpCommand = defineCommand({
  service: IDENTITY,
  name: 'DisableTotp',
  request: z.object({ userId: z.uuid(), code: codeSchema }),
  reply: emptySchema,
  description: 'Turn TOTP off with a current code.',
});
