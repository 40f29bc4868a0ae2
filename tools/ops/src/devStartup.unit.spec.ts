import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  composeCanProvide,
  devServices,
  mailCatcherOf,
  readinessOf,
  runningBanner,
} from '../../../scripts/dev/startup.mjs';

// scripts/dev/startup.mjs: the decisions of `npm run dev` / `turbo dev` (scripts/dev.mjs).
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const LOCAL = {
  postgres: 'postgres://postgres@127.0.0.1:5432/postgres',
  nats: 'nats://127.0.0.1:4222',
  redis: 'redis://localhost:6379/2',
};

describe('dev start-up decisions', () => {
  it('starts every service of services/* that declares ledgerline.service and a dev script', () => {
    const names = devServices(ROOT).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['api-gateway', 'identity', 'notifier']));
    expect(names).toEqual([...names].sort());
  });

  it('lets compose start the infrastructure only where compose publishes it', () => {
    expect(composeCanProvide(['postgres', 'redis'], LOCAL)).toBe(true);
    expect(composeCanProvide(['nats'], { ...LOCAL, nats: '127.0.0.1:4222,127.0.0.1:4223' })).toBe(true);
    expect(composeCanProvide([], LOCAL)).toBe(false);
    // Another port (a private test server) or another host: compose would not help.
    expect(composeCanProvide(['redis'], { ...LOCAL, redis: 'redis://127.0.0.1:1' })).toBe(false);
    expect(composeCanProvide(['postgres'], { ...LOCAL, postgres: 'postgres://db.internal:5432/x' })).toBe(
      false,
    );
  });

  it('reads /readyz?full: green, the failing checks of a 503, or the gateway not answering', () => {
    expect(readinessOf({ status: 200, body: { status: 'ready' } })).toEqual({ ready: true });
    expect(
      readinessOf({
        status: 503,
        body: { checks: { nats: { ok: true }, identity: { ok: false, error: '503 no responders' } } },
      }),
    ).toEqual({ ready: false, reason: 'not ready: identity (503 no responders)' });
    expect(readinessOf({ error: 'connection refused' })).toEqual({
      ready: false,
      reason: 'gateway not answering (connection refused)',
    });
    expect(readinessOf({ status: 404, body: undefined })).toEqual({
      ready: false,
      reason: '/readyz?full answered 404',
    });
  });

  it('names the SMTP target configured, and Mailpit only when it is the target', () => {
    expect(mailCatcherOf('smtp://127.0.0.1:1025')).toBe('http://localhost:8025');
    expect(mailCatcherOf('smtp://127.0.0.1:1026')).toBeUndefined();
    expect(mailCatcherOf('smtp://127.0.0.1:1026', 'http://mail.test')).toBe('http://mail.test');
    const banner = runningBanner({
      gatewayUrl: 'http://localhost:3100',
      smtpUrl: 'smtps://user:secret@smtp.example.com:465',
    }).join('\n');
    expect(banner).toContain('http://localhost:3100/docs');
    expect(banner).toContain('smtps://user:***@smtp.example.com:465');
    expect(banner).not.toContain('secret');
    expect(banner).not.toContain('Mailpit');
    expect(
      runningBanner({ gatewayUrl: 'http://localhost:3000', smtpUrl: 'smtp://localhost:1025' }).join('\n'),
    ).toContain('Mailpit: read the mails at http://localhost:8025');
  });
});
