import { type ListUsersRequest, listUsersRequestSchema } from '@ledgerline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountsHarness, accountsHarness, metaFor } from '../testing/accountsHarness.test-helpers.js';
import { adminUpdateUser, bootstrapAdmin } from './administration.js';
import { listUsers } from './listUsers.js';
import { registerUser } from './registration.js';

let h: AccountsHarness;
let adminId: string;
const ids: string[] = [];
const USERS = 30;
const start = Date.parse('2026-03-01T00:00:00.000Z');
const createdAt = (i: number) => new Date(start + i * 60_000).toISOString();
const emailOf = (i: number) => `${String.fromCharCode(97 + ((i * 7) % 26))}${i}@list.example`;

beforeAll(async () => {
  h = await accountsHarness('listusers');
  h.setNow('2026-02-01T00:00:00.000Z');
  adminId = (
    await bootstrapAdmin(h.deps, {
      email: 'admin@list.example',
      password: 'root passphrase long',
      displayName: 'Admin',
    })
  ).userId;
  for (let i = 0; i < USERS; i++) {
    h.setNow(createdAt(i));
    ids.push(
      (
        await registerUser(h.deps, {
          email: emailOf(i),
          password: 'list passphrase long',
          displayName: `U${i}`,
        })
      ).userId,
    );
  }
  const asAdmin = metaFor({ type: 'user', id: adminId, roles: ['admin'] });
  for (let i = 0; i < USERS; i += 3) await adminUpdateUser(h.deps, { userId: ids[i]!, tier: 'pro' }, asAdmin);
  for (let i = 0; i < USERS; i += 10)
    await adminUpdateUser(h.deps, { userId: ids[i]!, status: 'deactivated' }, asAdmin);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const list = (request: Partial<ListUsersRequest>) =>
  listUsers(h.deps.prisma, listUsersRequestSchema.parse(request));

async function walk(request: Partial<ListUsersRequest>) {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ ...request, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items.map((u) => u.email));
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor);
  return { seen, pages };
}

describe('ListUsers', () => {
  it('walks every user once with cursor pages, newest first by default', async () => {
    const { seen, pages } = await walk({ limit: 7 });
    expect(pages).toBe(5);
    expect(seen).toHaveLength(USERS + 1);
    expect(new Set(seen).size).toBe(USERS + 1);
    expect(seen[0]).toBe(emailOf(USERS - 1));
    expect(seen.at(-1)).toBe('admin@list.example');
  });

  it('sorts by e-mail both ways', async () => {
    const all = [...ids.map((_, i) => emailOf(i)), 'admin@list.example'].sort();
    expect((await walk({ sort: 'email', limit: 8 })).seen).toEqual(all);
    expect((await walk({ sort: '-email', limit: 8 })).seen).toEqual([...all].reverse());
  });

  it('pages by offset with the total', async () => {
    const page = await list({ sort: 'createdAt', offset: 10, limit: 5 });
    expect(page.total).toBe(USERS + 1);
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((u) => u.email)).toEqual([9, 10, 11, 12, 13].map(emailOf));
  });

  it('filters by tier, status, role, e-mail prefix and creation range', async () => {
    expect((await list({ tier: 'pro', limit: 100 })).total).toBe(10);
    expect((await list({ status: 'deactivated' })).items.map((u) => u.email).sort()).toEqual(
      [0, 10, 20].map(emailOf).sort(),
    );
    expect((await list({ role: 'admin' })).items.map((u) => u.id)).toEqual([adminId]);
    expect((await list({ emailPrefix: 'ADMIN@' })).total).toBe(1);
    const ranged = await list({ createdFrom: createdAt(5), createdTo: createdAt(9), sort: 'createdAt' });
    expect(ranged.items.map((u) => u.email)).toEqual([5, 6, 7, 8, 9].map(emailOf));
    expect((await list({ tier: 'pro', status: 'active', createdTo: createdAt(14) })).total).toBe(4);
  });

  it('treats LIKE wildcards in the prefix literally', async () => {
    expect((await list({ emailPrefix: '_' })).total).toBe(0);
    expect((await list({ emailPrefix: '%' })).total).toBe(0);
    expect((await list({ emailPrefix: 'a' })).items.every((u) => u.email.startsWith('a'))).toBe(true);
  });

  it('refuses a cursor made for another sort', async () => {
    const page = await list({ sort: 'email', limit: 2 });
    await expect(list({ sort: 'createdAt', cursor: page.nextCursor! })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });
});
