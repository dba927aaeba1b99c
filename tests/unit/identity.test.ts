import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Identity, IDENTITY_COOKIE, profilePatch } from '../../server/identity/identity';
import type { Db } from '../../server/db';

/** Just enough of Prisma for the secret look-up. */
function fakeDb(): Db {
  const settings = new Map<string, string>();
  return {
    setting: {
      upsert: async ({ where, create }: { where: { key: string }; create: { key: string; value: string } }) => {
        if (!settings.has(where.key)) settings.set(where.key, create.value);
        return { key: where.key, value: settings.get(where.key)! };
      },
    },
  } as unknown as Db;
}

function issue(identity: Identity, cookie?: string): { id: string; setCookie: string[] } {
  const headers: Record<string, string> = cookie ? { cookie } : {};
  const req = { headers, socket: {} } as unknown as IncomingMessage;
  let setCookie: string[] = [];
  const res = {
    getHeader: () => undefined,
    setHeader: (_: string, v: string[]) => void (setCookie = v),
  } as unknown as ServerResponse;
  return { id: identity.ensure(req, res), setCookie };
}

describe('identity cookie', () => {
  it('signs ids and only accepts its own signatures', async () => {
    const identity = await Identity.open(fakeDb(), 'a-secret-of-at-least-16-chars');
    const { id, setCookie } = issue(identity);
    expect(setCookie[0]).toMatch(new RegExp(`^${IDENTITY_COOKIE}=${id}\\.[\\w-]+; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Lax$`));
    const value = setCookie[0].split(';')[0];
    expect(identity.userIdOf({ headers: { cookie: `other=1; ${value}` } })).toBe(id);
    // Same cookie again: no new one issued.
    expect(issue(identity, value)).toEqual({ id, setCookie: [] });

    const [, mac] = value.split('.');
    const otherId = 'A'.repeat(20);
    expect(identity.userIdOf({ headers: { cookie: `${IDENTITY_COOKIE}=${otherId}.${mac}` } })).toBeNull();
    expect(identity.userIdOf({ headers: { cookie: `${IDENTITY_COOKIE}=${id}.${mac.slice(1)}` } })).toBeNull();
    expect(identity.userIdOf({ headers: { cookie: `${IDENTITY_COOKIE}=${id}` } })).toBeNull();
    expect(identity.userIdOf({ headers: {} })).toBeNull();

    const stranger = await Identity.open(fakeDb(), 'a-different-secret-entirely');
    expect(stranger.userIdOf({ headers: { cookie: value } })).toBeNull();
  });

  it('generates a secret once and reuses it', async () => {
    const db = fakeDb();
    const first = await Identity.open(db, undefined);
    const { setCookie } = issue(first);
    const again = await Identity.open(db, undefined);
    expect(again.userIdOf({ headers: { cookie: setCookie[0].split(';')[0] } })).not.toBeNull();
  });

  it('validates profile changes', () => {
    expect(profilePatch.safeParse({ name: '  Ada  ' }).data).toEqual({ name: 'Ada' });
    expect(profilePatch.safeParse({ name: '' }).success).toBe(false);
    expect(profilePatch.safeParse({ name: 'x'.repeat(41) }).success).toBe(false);
    expect(profilePatch.safeParse({ name: '<script>' }).success).toBe(false);
    expect(profilePatch.safeParse({ color: '#12345g' }).success).toBe(false);
    expect(profilePatch.safeParse({ admin: true }).success).toBe(false);
  });
});
