import { z } from 'zod';
import { defineCommand, defineQuery } from '../contract.js';
import { userTextSchema } from '../text.js';
import { accountStatusSchema, isoDateTime, profileSchema, roleSchema, tierSchema } from './common.js';
import { IDENTITY } from './registration.js';

/** A user as an administrator sees them. */
export const adminUserSchema = profileSchema.extend({ lastLoginAt: isoDateTime.nullable() });
export type AdminUser = z.infer<typeof adminUserSchema>;

/** Filter, sort and page of the admin user list: cursor pages, or offset pages for page numbers. */
export const listUsersRequestSchema = z.object({
  emailPrefix: userTextSchema().min(1).max(254).optional(),
  role: roleSchema.optional(),
  tier: tierSchema.optional(),
  status: accountStatusSchema.optional(),
  createdFrom: isoDateTime.optional(),
  createdTo: isoDateTime.optional(),
  sort: z.enum(['createdAt', '-createdAt', 'email', '-email']).default('-createdAt'),
  limit: z.int().min(1).max(100).default(20),
  cursor: userTextSchema().max(512).optional(),
  offset: z.int().min(0).max(100_000).optional(),
});
export type ListUsersRequest = z.infer<typeof listUsersRequestSchema>;

/** `identity.qry.ListUsers` (admin). */
export const listUsersQuery = defineQuery({
  service: IDENTITY,
  name: 'ListUsers',
  request: listUsersRequestSchema,
  reply: z.object({
    items: z.array(adminUserSchema),
    total: z.int().min(0),
    nextCursor: z.string().nullable(),
  }),
  description: 'List users with filters, sorting and cursor or offset pagination (admin).',
});

/** `identity.qry.GetUser` (admin). */
export const getUserQuery = defineQuery({
  service: IDENTITY,
  name: 'GetUser',
  request: z.object({ userId: z.uuid() }),
  reply: adminUserSchema,
  description: 'One user (admin).',
});

/** `identity.cmd.AdminUpdateUser`: role, tier and activation, each optional (admin). */
export const adminUpdateUserCommand = defineCommand({
  service: IDENTITY,
  name: 'AdminUpdateUser',
  request: z.object({
    userId: z.uuid(),
    role: roleSchema.optional(),
    tier: tierSchema.optional(),
    status: accountStatusSchema.optional(),
  }),
  reply: adminUserSchema,
  description: "Change a user's role, tier or activation (admin).",
});

/** `identity.cmd.ChangeUserTier`: sent by billing when a subscription changes. */
export const changeUserTierCommand = defineCommand({
  service: IDENTITY,
  name: 'ChangeUserTier',
  request: z.object({ userId: z.uuid(), tier: tierSchema }),
  reply: z.object({ userId: z.uuid(), tier: tierSchema }),
  description: "Set a user's tier (billing).",
});
