import type { Db } from '../db';
import type { Identity } from '../identity/identity';
import type { RoomRegistry } from '../sync/roomRegistry';
import type { Grant, RoomSession } from '../sync/room';
import { HttpError } from '../http/json';
import { CLOSE_CODES } from '../../lib/protocol';
import { canEdit, type LinkKind, type Role, type RoomAccessInfo, type RoomMemberInfo } from '../../lib/access';
import { freshLinks, newLinkSecret } from './links';

/** A role the owner can give; "removed" keeps a person out whatever link they hold. */
export type MemberRole = Exclude<Role, 'owner'> | 'removed';

/** Why a connection may not join: the close code (Yjs), the HTTP status and the reason for both. */
export interface Refusal {
  code: number;
  status: number;
  reason: string;
}

const NO_SUCH_ROOM: Refusal = { code: CLOSE_CODES.unknownRoom, status: 404, reason: 'no such room' };

/**
 * Who may do what in a room, decided by the server from the verified identity alone: the
 * owner; members (given a role by the owner, or by following a link, which is redeemed once
 * over HTTP); everyone else views, unless the room is private. An open room (no owner) lets
 * everyone edit until someone claims it. Changes reach live sessions at once: the people
 * concerned are disconnected and reconnect with their new standing.
 */
export class RoomAccess {
  constructor(
    private readonly db: Db,
    private readonly identity: Identity,
    private readonly registry: RoomRegistry,
  ) {}

  /** The grant of a connection to `roomId` by `user` (null: no identity), or why it is refused. */
  async grant(roomId: string, user: string | null): Promise<Grant | Refusal> {
    const room = await this.db.room.findUnique({ where: { id: roomId }, select: { ownerId: true, private: true } });
    if (!room) return NO_SUCH_ROOM;
    if (room.ownerId === null) return { user, role: 'editor' };
    if (user !== null && user === room.ownerId) return { user, role: 'owner' };
    const member = user ? await this.db.roomMember.findUnique({ where: { roomId_userId: { roomId, userId: user } } }) : null;
    if (member?.role === 'removed') return { code: CLOSE_CODES.noAccess, status: 403, reason: 'the owner removed you from this room' };
    if (member) return { user, role: member.role as Role };
    if (room.private) return { code: CLOSE_CODES.noAccess, status: 403, reason: 'this room is private: ask its owner for a link' };
    return { user, role: 'viewer' };
  }

  /** For HTTP writes (saves, uploads): the user's grant when it may edit, else a 403/404. */
  async requireEdit(roomId: string, user: string | null): Promise<Grant> {
    const grant = await this.grant(roomId, user);
    if (isRefusal(grant)) throw new HttpError(grant.status, grant.reason);
    if (!canEdit(grant.role)) throw new HttpError(403, 'read-only: viewers cannot change this room');
    return grant;
  }

  /**
   * Follows a share link: its secret gives the user that link's role, kept until the link is
   * rotated. A link never lowers a role and never overrides one the owner gave (nor lets a
   * removed person back in).
   */
  async redeem(roomId: string, user: string, secret: string): Promise<void> {
    const link = await this.db.roomLink.findUnique({ where: { secret } });
    if (!link || link.roomId !== roomId) throw new HttpError(403, 'this link is not valid (any more): ask the owner for a current one');
    const grant = await this.grant(roomId, user);
    if (isRefusal(grant) && grant.status !== 403) throw new HttpError(grant.status, grant.reason);
    const member = await this.db.roomMember.findUnique({ where: { roomId_userId: { roomId, userId: user } } });
    if (member?.role === 'removed') throw new HttpError(403, 'the owner removed you from this room');
    if (member?.via === 'invite') return;
    if (!isRefusal(grant) && (grant.role === 'owner' || (canEdit(grant.role) && link.kind === 'view'))) return;
    const role: Role = link.kind === 'edit' ? 'editor' : 'viewer';
    await this.db.roomMember.upsert({
      where: { roomId_userId: { roomId, userId: user } },
      create: { roomId, userId: user, role, via: link.kind },
      update: { role, via: link.kind },
    });
  }

  /** This user's standing, and for the owner the links and the members. */
  async info(roomId: string, user: string): Promise<RoomAccessInfo> {
    const grant = await this.grant(roomId, user);
    if (isRefusal(grant)) throw new HttpError(grant.status, grant.reason);
    const room = (await this.db.room.findUnique({ where: { id: roomId }, select: { ownerId: true, private: true } }))!;
    const base = { role: grant.role, open: room.ownerId === null, private: room.private };
    if (grant.role !== 'owner') return { ...base, links: null, members: null };
    const [links, members] = await Promise.all([
      this.db.roomLink.findMany({ where: { roomId } }),
      this.db.roomMember.findMany({ where: { roomId }, orderBy: { createdAt: 'asc' } }),
    ]);
    const names = await this.identity.names(members.map((m) => m.userId));
    return {
      ...base,
      links: Object.fromEntries(links.map((l) => [l.kind, l.secret])) as Record<LinkKind, string>,
      members: members.map((m): RoomMemberInfo => ({
        userId: m.userId,
        name: names.get(m.userId)?.name ?? 'Someone',
        color: names.get(m.userId)?.color ?? '#888888',
        role: m.role as RoomMemberInfo['role'],
        via: m.via as RoomMemberInfo['via'],
      })),
    };
  }

  /**
   * Claims an open room: the claimer owns it, it gets its links, and the people painting in it
   * right now keep editing; connections without an identity reconnect as viewers.
   */
  async claim(roomId: string, user: string): Promise<void> {
    const room = await this.db.room.findUnique({ where: { id: roomId }, select: { ownerId: true } });
    if (!room) throw new HttpError(404, 'no such room');
    if (room.ownerId !== null) throw new HttpError(409, 'this room already has an owner');
    const present = [...(this.registry.get(roomId)?.users() ?? [])].filter((u) => u !== user);
    const claimed = await this.db.room.updateMany({ where: { id: roomId, ownerId: null }, data: { ownerId: user } });
    if (claimed.count === 0) throw new HttpError(409, 'this room already has an owner');
    await this.db.roomLink.createMany({ data: freshLinks(roomId) });
    for (const userId of present) {
      await this.db.roomMember.upsert({
        where: { roomId_userId: { roomId, userId } },
        create: { roomId, userId, role: 'editor', via: 'invite' },
        update: {},
      });
    }
    this.close(roomId, (s) => s.user === null || s.user === user, CLOSE_CODES.roleChanged, 'the room was claimed by its owner');
  }

  /** Replaces a link's secret: the old one stops working and those who came with it are disconnected. */
  async rotate(roomId: string, owner: string, kind: LinkKind): Promise<void> {
    await this.requireOwner(roomId, owner);
    const revoked = await this.db.roomMember.findMany({ where: { roomId, via: kind }, select: { userId: true } });
    await this.db.$transaction([
      this.db.roomLink.upsert({
        where: { roomId_kind: { roomId, kind } },
        create: { roomId, kind, secret: newLinkSecret() },
        update: { secret: newLinkSecret() },
      }),
      this.db.roomMember.deleteMany({ where: { roomId, via: kind } }),
    ]);
    const users = new Set(revoked.map((m) => m.userId));
    this.close(roomId, (s) => s.user !== null && users.has(s.user), CLOSE_CODES.noAccess, `the ${kind} link you joined with was replaced`);
  }

  /** Gives a person a role (or removes them); their live sessions reconnect with it. */
  async setRole(roomId: string, owner: string, userId: string, role: MemberRole): Promise<void> {
    await this.requireOwner(roomId, owner);
    if (userId === owner) throw new HttpError(400, 'the owner keeps the owner role');
    await this.db.roomMember.upsert({
      where: { roomId_userId: { roomId, userId } },
      create: { roomId, userId, role, via: 'invite' },
      update: { role, via: 'invite' },
    });
    const [code, reason] =
      role === 'removed'
        ? [CLOSE_CODES.noAccess, 'the owner removed you from this room']
        : [CLOSE_CODES.roleChanged, `the owner made you ${role === 'editor' ? 'an editor' : 'a viewer'}`];
    this.close(roomId, (s) => s.user === userId, code, reason);
  }

  /** Private rooms admit only the owner, members and holders of a current link. */
  async setPrivate(roomId: string, owner: string, value: boolean): Promise<void> {
    await this.requireOwner(roomId, owner);
    await this.db.room.update({ where: { id: roomId }, data: { private: value } });
    if (!value) return;
    const members = new Set((await this.db.roomMember.findMany({ where: { roomId }, select: { userId: true } })).map((m) => m.userId));
    this.close(
      roomId,
      (s) => s.user !== owner && !(s.user && members.has(s.user)),
      CLOSE_CODES.noAccess,
      'the owner made this room private',
    );
  }

  private async requireOwner(roomId: string, user: string): Promise<void> {
    const room = await this.db.room.findUnique({ where: { id: roomId }, select: { ownerId: true } });
    if (!room) throw new HttpError(404, 'no such room');
    if (room.ownerId !== user) throw new HttpError(403, 'only the room owner can do that');
  }

  private close(roomId: string, match: (s: RoomSession) => boolean, code: number, reason: string): void {
    this.registry.get(roomId)?.closeSessions(match, code, reason);
  }
}

export function isRefusal(value: Grant | Refusal): value is Refusal {
  return 'code' in value;
}
