import { Writable } from 'node:stream';
import type { RebuildProgress } from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import { formatEta, rebuildProgressBar } from './progressBar.js';

describe('formatEta', () => {
  it.each([
    [null, '?'],
    [Number.POSITIVE_INFINITY, '?'],
    [0, '0s'],
    [12.4, '12s'],
    [185, '3m05s'],
    [3720, '1h02m'],
  ])('%s seconds → %s', (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });
});

describe('rebuildProgressBar', () => {
  const progress = (phase: RebuildProgress['phase'], done: number, total: number): RebuildProgress => ({
    phase,
    done,
    total,
    eventsPerSecond: 0,
    etaSeconds: null,
  });
  const capture = () => {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        text += chunk.toString('utf8');
        callback();
      },
    });
    return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
  };

  it('says it is migrating instead of drawing a 0/0 bar, then draws the replay', () => {
    const out = capture();
    const bar = rebuildProgressBar(out.stream);
    bar.update(progress('migrating', 0, 0));
    bar.update(progress('migrating', 0, 0));
    expect(out.text()).toBe('migrating the new read-model schema…\n');
    bar.update(progress('replaying', 5, 20));
    bar.stop();
    expect(out.text()).toContain('5/20 events');
    expect(out.text()).not.toContain('0/0 events');
  });
});
