import { z } from 'zod';
import { defineCommand, defineEvent } from '../contract.js';
import { displayNameSchema, emailSchema, localeSchema, passwordSchema } from './common.js';

/** The service that owns accounts, sessions and the JWKS. */
export const IDENTITY = 'identity';

/** RegisterUser request. The password policy (length, breach list) is enforced by identity, not here. */
export const registerUserRequestSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  displayName: displayNameSchema,
  locale: localeSchema.optional(),
});
export type RegisterUserRequest = z.infer<typeof registerUserRequestSchema>;

/**
 * RegisterUser reply data: the same shape whether the e-mail was new or already had an account, so
 * the reply cannot tell anyone which addresses are registered. For a taken address `userId` is a
 * fresh id that names no account (the owner gets a DuplicateSignUpAttempted e-mail instead).
 */
export const registerUserReplySchema = z.object({ userId: z.uuid() });
export type RegisterUserReply = z.infer<typeof registerUserReplySchema>;

/**
 * `identity.cmd.RegisterUser`: creates an unverified account, or, when the e-mail is taken, e-mails
 * its owner; both answer alike (HTTP 202), in shape and in time.
 */
export const registerUserCommand = defineCommand({
  service: IDENTITY,
  name: 'RegisterUser',
  request: registerUserRequestSchema,
  reply: registerUserReplySchema,
  description:
    'Create a user account, or e-mail the owner when the address already has one; the reply is the same either way.',
});

/** UserRegistered v1 data. Never carries the password or its hash: the event is public. */
export const userRegisteredV1Schema = z.object({
  userId: z.uuid(),
  email: emailSchema,
  displayName: displayNameSchema,
  registeredAt: z.iso.datetime({ offset: true }),
});
export type UserRegisteredV1 = z.infer<typeof userRegisteredV1Schema>;

/** `evt.identity.UserRegistered` v1, public: relayed to JetStream `EVENTS` for other services. */
export const userRegisteredEvent = defineEvent({
  service: IDENTITY,
  type: 'UserRegistered',
  schemaVersion: 1,
  data: userRegisteredV1Schema,
  public: true,
  description: 'A user account was created.',
});
