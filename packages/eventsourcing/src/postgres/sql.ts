/** Quotes a Postgres identifier (schema, table, column) so any name is safe in SQL text. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Schema names of a service: its event store and its read models. */
export const schemasOf = (service: string) => {
  const base = service.replaceAll('-', '_').toLowerCase();
  if (!/^[a-z][a-z0-9_]*$/.test(base)) throw new Error(`invalid service name for a schema: ${service}`);
  return { eventStore: `${base}_es`, readModel: `${base}_rm`, readModelNext: `${base}_rm_next` };
};

/** Postgres error codes the kernel reacts to. */
export const PG_UNIQUE_VIOLATION = '23505';
/** A statement sent after another one failed in the same transaction. */
export const PG_IN_FAILED_TRANSACTION = '25P02';

export const isPgError = (
  error: unknown,
  code: string,
): error is Error & { code: string; constraint?: string } =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
