import { quoteIdent, readCheckpoint, readReactorStatus, schemasOf } from '@ledgerline/eventsourcing';
import type { Pool } from 'pg';
import type { ServiceTarget } from '../services/resolveServices.js';

export type ProjectionState = 'running' | 'stopped' | 'inline';

/** One projection's progress: where it is, how far behind, who runs it, what it parked. */
export interface ProjectionStatus {
  name: string;
  mode: 'inline' | 'async' | 'reactor';
  /** Global position of the last applied event; null for inline projections (no checkpoint). */
  checkpoint: number | null;
  head: number;
  lag: number;
  state: ProjectionState;
  deadLetters: number;
}

export interface ServiceStatus {
  service: string;
  migrated: boolean;
  head: number;
  /** A blue/green rebuild is running, or one was interrupted (dropped by the next rebuild). */
  rebuildSchemaPresent: boolean;
  projections: ProjectionStatus[];
}

/** Reads the status of every projection of a service from its schemas and pg_locks. */
export async function readServiceStatus(pool: Pool, target: ServiceTarget): Promise<ServiceStatus> {
  const schemas = schemasOf(target.name);
  const present = await existingSchemas(pool, schemas);
  const base = { service: target.name, rebuildSchemaPresent: present.has(schemas.readModelNext) };
  if (!present.has(schemas.eventStore) || !present.has(schemas.readModel)) {
    return { ...base, migrated: false, head: 0, projections: [] };
  }
  const events = `${quoteIdent(schemas.eventStore)}."events"`;
  const head = await scalar(pool, `SELECT coalesce(max(global_position), 0) AS n FROM ${events}`);
  const parked = await parkedByProjection(pool, schemas.eventStore);
  const asyncNames = new Set(target.manifest?.asyncProjections ?? []);
  const projections: ProjectionStatus[] = [];
  for (const { name } of target.manifest?.projections ?? []) {
    const deadLetters = parked.get(name) ?? 0;
    if (!asyncNames.has(name)) {
      // Inline projections commit with the events: never behind, no checkpoint of their own.
      projections.push({
        name,
        mode: 'inline',
        checkpoint: null,
        head,
        lag: 0,
        state: 'inline',
        deadLetters,
      });
      continue;
    }
    const position = await readCheckpoint(pool, schemas.readModel, name);
    const lag = await scalar(
      pool,
      `SELECT count(*) AS n FROM ${events} WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)`,
      [String(position.transactionId), position.globalPosition],
    );
    const state = (await workerLockHeld(pool, target.name, `projection:${name}`)) ? 'running' : 'stopped';
    projections.push({
      name,
      mode: 'async',
      checkpoint: position.globalPosition,
      head,
      lag,
      state,
      deadLetters,
    });
  }
  // Reactors (kernel ReactorRunner) are log readers too: listed as `reactor:<name>`.
  for (const reactor of target.manifest?.reactors ?? []) {
    const status = await readReactorStatus(pool, target.name, reactor.name);
    projections.push({
      name: `reactor:${reactor.name}`,
      mode: 'reactor',
      checkpoint: status.checkpoint.globalPosition,
      head,
      lag: status.lag,
      state: status.running ? 'running' : 'stopped',
      deadLetters: status.deadLetters,
    });
  }
  return { ...base, migrated: true, head, projections };
}

async function existingSchemas(pool: Pool, schemas: ReturnType<typeof schemasOf>): Promise<Set<string>> {
  const { rows } = await pool.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])`,
    [[schemas.eventStore, schemas.readModel, schemas.readModelNext]],
  );
  return new Set(rows.map((r) => r.nspname));
}

async function scalar(pool: Pool, sql: string, values: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(sql, values);
  return Number(rows[0]?.n ?? 0);
}

async function parkedByProjection(pool: Pool, eventStore: string): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ name: string; n: string }>(
    `SELECT source_name AS name, count(*) AS n FROM ${quoteIdent(eventStore)}."dead_letters"
     WHERE source_kind = 'projection' AND status = 'parked' GROUP BY source_name`,
  );
  return new Map(rows.map((r) => [r.name, Number(r.n)]));
}

// The AsyncProjector holds pg_try_advisory_lock(hashtext('ll-worker:<service>'), hashtext(<worker>))
// (packages/eventsourcing/src/projections/locks.ts); a two-key lock shows as classid/objid, objsubid 2.
// Standby instances only retry the lock, so they leave no trace: a free lock reads as stopped.
async function workerLockHeld(pool: Pool, service: string, worker: string): Promise<boolean> {
  const { rows } = await pool.query<{ held: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 2
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND classid = hashtext($1)::oid AND objid = hashtext($2)::oid
     ) AS held`,
    [`ll-worker:${service}`, worker],
  );
  return rows[0]?.held === true;
}
