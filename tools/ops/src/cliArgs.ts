import { InvalidArgumentError } from 'commander';

/** Commander parser for a positive whole number (batch sizes, limits, timeouts). */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}
