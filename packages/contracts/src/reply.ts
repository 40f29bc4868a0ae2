import { z } from 'zod';
import { fromErrorShape, toErrorShape } from './errorMapping.js';
import { type ErrorShape, errorShapeSchema } from './errors.js';

/** The failed branch of every reply; shared so each reply schema does not rebuild it. */
export const failedReplySchema = z.object({ ok: z.literal(false), error: errorShapeSchema });
export type FailedReply = z.infer<typeof failedReplySchema>;

/** The wire reply of a command or query: `{ ok: true, data } | { ok: false, error }`. */
export const replySchema = <Data extends z.ZodType>(dataSchema: Data) =>
  z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), data: dataSchema }), failedReplySchema]);

/** The reply type of a data schema, derived from {@link replySchema}. */
export type ReplyOf<Data extends z.ZodType> = z.infer<ReturnType<typeof replySchema<Data>>>;

/** A reply whose successful `data` has type `T`. */
export type Reply<T> = ReplyOf<z.ZodType<T>>;
export type SuccessfulReply<T> = Extract<Reply<T>, { ok: true }>;

/** A successful reply. */
export const ok = <T>(data: T): SuccessfulReply<T> => ({ ok: true, data });

/** A failed reply; anything that is not an AppError or an error shape becomes a generic INTERNAL. */
export const fail = (error: unknown): FailedReply => ({ ok: false, error: toErrorShape(error) });

/** The data of a successful reply, or throws the AppError rebuilt from the failed reply's error. */
export const unwrapReply = <T>(reply: Reply<T>): T => {
  if (reply.ok) return reply.data;
  throw fromErrorShape(reply.error);
};

/** The error of a failed reply, or undefined; handy in tests and logs. */
export const replyError = <T>(reply: Reply<T>): ErrorShape | undefined =>
  reply.ok ? undefined : reply.error;
