import { type DomainEvent, defineProjection } from '@ledgerline/eventsourcing';

/** One row per stream: how many events, the last type and a running total of amounts. */
export interface AccountSummary {
  [column: string]: unknown;
  id: string;
  event_count: number;
  last_type: string;
  /** BIGINT: the kernel loads it as a bigint, as the Prisma client types it. */
  total: bigint;
}

export const accountSummary = defineProjection<DomainEvent, AccountSummary>({
  name: 'bench_account_summary',
  table: 'account_summary',
  canHandle: ['Deposited', 'Withdrawn', 'Renamed'],
  documentId: (event) => event.streamId,
  evolve(document, event) {
    const amount = Number((event.data as { amount?: number }).amount ?? 0);
    const sign = event.type === 'Deposited' ? 1 : event.type === 'Withdrawn' ? -1 : 0;
    return {
      id: event.streamId,
      event_count: (document?.event_count ?? 0) + 1,
      last_type: event.type,
      total: (document?.total ?? 0n) + BigInt(sign * amount),
    };
  },
});
