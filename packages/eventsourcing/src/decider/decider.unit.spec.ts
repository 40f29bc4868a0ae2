import { IllegalStateError, NotFoundError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { fold } from './decider.js';
import { door } from './fixtures/door.js';
import { deciderSpec } from './givenWhenThen.js';

const now = new Date('2026-11-23T10:00:00.000Z');
const given = deciderSpec(door, () => ({ now }));
const at = now.toISOString();
const installed = { type: 'DoorInstalled' as const, data: { at } };
const opened = { type: 'DoorOpened' as const, data: { at } };

describe('given/when/then', () => {
  it('passes when the decider produces the expected events', () => {
    given([]).when({ type: 'Install' }).then([installed]);
    given([installed]).when({ type: 'Open' }).then([opened]);
    given([installed]).when({ type: 'Close' }).then([]);
  });

  it('passes when the decider throws the expected error', () => {
    given([installed]).when({ type: 'Install' }).thenThrows(IllegalStateError, 'already installed');
    given([]).when({ type: 'Open' }).thenThrows(IllegalStateError);
  });

  it('fails, showing both sides, when the events differ', () => {
    expect(() => given([installed]).when({ type: 'Open' }).then([installed])).toThrow(
      /DoorOpened[\s\S]*expected/,
    );
  });

  it('fails when the decider throws another error, a wrong message, or nothing', () => {
    expect(() => given([installed]).when({ type: 'Install' }).thenThrows(NotFoundError)).toThrow(
      /expected NotFoundError/,
    );
    expect(() => given([installed]).when({ type: 'Install' }).thenThrows(IllegalStateError, 'nope')).toThrow(
      /expected message/,
    );
    expect(() => given([installed]).when({ type: 'Open' }).thenThrows(IllegalStateError)).toThrow(
      /decider produced/,
    );
  });
});

describe('fold', () => {
  it('replays events from the initial state', () => {
    expect(fold(door, [])).toEqual({ status: 'None' });
    expect(fold(door, [installed, opened])).toEqual({ status: 'Open' });
  });
});
