import { describe, expect, it } from 'vitest';
import { builtInContracts, registry } from './catalog.js';

describe('the built-in catalog', () => {
  it('has a producer contract for every subject anyone consumes', () => {
    expect(registry.problems()).toEqual([]);
  });

  it('lists every subject with its producer and consumers', () => {
    const table = registry.list().map((c) => `${c.subject} ← ${registry.producerOf(c.subject)}`);
    expect(table).toContain('identity.cmd.Login ← identity');
    expect(registry.consumersOf('identity.cmd.Login')).toEqual(['api-gateway']);
    expect(registry.consumersOf('evt.identity.EmailVerificationRequested')).toEqual(['notifier']);
  });

  it('holds each contract once, under a unique subject and version', () => {
    const keys = builtInContracts.map((c) =>
      c.kind === 'event' ? `${c.subject}@${c.schemaVersion}` : c.subject,
    );
    expect(new Set(keys).size).toBe(keys.length);
  });
});
