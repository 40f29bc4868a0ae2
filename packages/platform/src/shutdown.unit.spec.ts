import { describe, expect, it } from 'vitest';
import { ShutdownRegistry } from './shutdown.js';

describe('ShutdownRegistry', () => {
  it('runs closers newest first, once, and reports failures without stopping', async () => {
    const registry = new ShutdownRegistry();
    const order: string[] = [];
    registry.onShutdown('pool', () => {
      order.push('pool');
    });
    registry.onShutdown('broken', () => {
      throw new Error('nope');
    });
    registry.onShutdown('consumer', async () => {
      order.push('consumer');
    });
    const results = await registry.shutdownAll(1_000);
    expect(order).toEqual(['consumer', 'pool']);
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['consumer', true],
      ['broken', false],
      ['pool', true],
    ]);
    expect(await registry.shutdownAll(1_000)).toEqual([]);
  });

  it('gives up on a closer that outlives the timeout', async () => {
    const registry = new ShutdownRegistry();
    registry.onShutdown('stuck', () => new Promise(() => {}));
    const started = Date.now();
    const [result] = await registry.shutdownAll(50);
    expect(result?.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('lets a closer unregister itself', async () => {
    const registry = new ShutdownRegistry();
    const off = registry.onShutdown('temp', () => {});
    off();
    expect(registry.size).toBe(0);
  });
});
