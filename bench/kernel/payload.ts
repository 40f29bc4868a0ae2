import { randomBytes, randomUUID } from 'node:crypto';

/** A ~300-byte JSON event body, close to what the seeded log holds. */
export const eventData = (i: number) => ({
  accountId: randomUUID(),
  amount: (i % 997) + 1,
  currency: 'EUR',
  customer: 'cus_Q2w3E4r5T6y7U8',
  reference: `INV-${String(i).padStart(10, '0')}`,
  description: 'monthly subscription renewal for the standard plan, billed in advance',
  tags: ['billing', 'renewal', 'standard'],
  at: '2026-11-23T00:00:00.000Z',
});

export const EVENT_TYPES = ['Deposited', 'Withdrawn', 'Renamed'] as const;

export const eventTypeOf = (i: number): string => EVENT_TYPES[i % EVENT_TYPES.length]!;

/** UUIDv7 (time-ordered), as the kernel generates, so the raw baseline indexes the same kind of key. */
export const uuidv7 = (): string => {
  const bytes = randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
