import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { customAlphabet } from 'nanoid';
import { z } from 'zod';
import type { Db } from '../db';
import type { PublicUser } from '../../lib/social';
import { parseCookies } from '../http/cookies';
import { HttpError } from '../http/json';

/** Name of the cookie that carries `<userId>.<hmac>`. */
export const IDENTITY_COOKIE = 'spade_uid';
const ONE_YEAR_S = 365 * 24 * 3600;
const makeUserId = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 20);
const USER_ID = /^[0-9A-Za-z]{20}$/;

const ADJECTIVES = ['Amber', 'Azure', 'Coral', 'Misty', 'Golden', 'Silver', 'Mossy', 'Rosy', 'Sunny', 'Stormy', 'Quiet', 'Brisk'];
const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Fox', 'Badger', 'Crane', 'Marten', 'Ibex', 'Puffin', 'Hare', 'Wren', 'Seal'];
export const USER_COLORS = [
  '#e4572e',
  '#f3a712',
  '#669bbc',
  '#a8c686',
  '#c03221',
  '#9d4edd',
  '#2a9d8f',
  '#e76f51',
  '#4cc9f0',
  '#d62828',
  '#3a86ff',
  '#ff66c4',
];

export const profilePatch = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, { error: 'name must not be empty' })
      .max(40, { error: 'name must be at most 40 characters' })
      .regex(/^[^\u0000-\u001f<>]*$/, { error: 'name contains characters that are not allowed' })
      .optional(),
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, { error: 'color must look like #rrggbb' })
      .optional(),
  })
  .strict();

function pick<T>(list: readonly T[]): T {
  return list[crypto.randomInt(list.length)];
}

/**
 * Anonymous identity: each browser gets a random user id in an HMAC-signed cookie (no account).
 * The signature makes ids unforgeable, so votes and "delete my scene" can trust them; ids are
 * otherwise public (strokes carry them as `by`). The user record (name, colour) is created lazily.
 */
export class Identity {
  private constructor(
    private readonly db: Db,
    private readonly secret: Buffer,
  ) {}

  /** SESSION_SECRET from env, else one generated on first start and kept in the database. */
  static async open(db: Db, envSecret: string | undefined): Promise<Identity> {
    if (envSecret) return new Identity(db, Buffer.from(envSecret, 'utf8'));
    const fresh = crypto.randomBytes(32).toString('base64url');
    // upsert with an empty update keeps the first secret ever written (stable across restarts).
    const row = await db.setting.upsert({ where: { key: 'session-secret' }, create: { key: 'session-secret', value: fresh }, update: {} });
    return new Identity(db, Buffer.from(row.value, 'utf8'));
  }

  private mintAllowed: (req: IncomingMessage) => boolean = () => true;

  /** Identities cost nothing to mint: `allowed` limits how often one address may get a new one. */
  limitMinting(allowed: (req: IncomingMessage) => boolean): void {
    this.mintAllowed = allowed;
  }

  private sign(userId: string): string {
    return crypto.createHmac('sha256', this.secret).update(userId).digest('base64url');
  }

  private verify(value: string | undefined): string | null {
    if (!value) return null;
    const [id, mac] = value.split('.');
    if (!id || !mac || !USER_ID.test(id)) return null;
    const expected = Buffer.from(this.sign(id));
    const given = Buffer.from(mac);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? id : null;
  }

  /** The verified user id from a request's cookies (HTTP or the socket.io handshake), or null. */
  userIdOf(req: Pick<IncomingMessage, 'headers'>): string | null {
    return this.verify(parseCookies(req.headers.cookie).get(IDENTITY_COOKIE));
  }

  /** The request's user id; issues a fresh signed cookie when it has none (or a forged one). */
  ensure(req: IncomingMessage, res: ServerResponse): string {
    const existing = this.userIdOf(req);
    if (existing) return existing;
    if (!this.mintAllowed(req)) throw new HttpError(429, 'too many new identities from this address: try again in a minute');
    const id = makeUserId();
    // Secure only where the browser reached us over HTTPS (directly or through a proxy); plain
    // http://localhost must keep working.
    const https = (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
    const cookie = `${IDENTITY_COOKIE}=${id}.${this.sign(id)}; Path=/; Max-Age=${ONE_YEAR_S}; HttpOnly; SameSite=Lax${https ? '; Secure' : ''}`;
    const prior = res.getHeader('set-cookie');
    res.setHeader('set-cookie', [...(Array.isArray(prior) ? prior : prior ? [String(prior)] : []), cookie]);
    // Later handlers in the same request see the new id too.
    req.headers.cookie = `${req.headers.cookie ? `${req.headers.cookie}; ` : ''}${IDENTITY_COOKIE}=${id}.${this.sign(id)}`;
    return id;
  }

  /** The user's record, created with a random name and colour on first use. */
  async user(userId: string): Promise<PublicUser> {
    const row = await this.db.user.upsert({
      where: { id: userId },
      create: { id: userId, name: `${pick(ADJECTIVES)} ${pick(ANIMALS)}`, color: pick(USER_COLORS) },
      update: {},
    });
    return { id: row.id, name: row.name, color: row.color };
  }

  async update(userId: string, patch: z.infer<typeof profilePatch>): Promise<PublicUser> {
    await this.user(userId);
    const row = await this.db.user.update({ where: { id: userId }, data: patch });
    return { id: row.id, name: row.name, color: row.color };
  }

  /** Names for a set of ids (unknown ids are left out). */
  async names(ids: readonly string[]): Promise<Map<string, PublicUser>> {
    const rows = ids.length ? await this.db.user.findMany({ where: { id: { in: [...new Set(ids)] } } }) : [];
    return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, color: r.color }]));
  }
}
