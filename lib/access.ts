/** Who may do what in a room: the roles, the links that grant them, and what the page is told. */

export type Role = 'owner' | 'editor' | 'viewer';

export const ROLES: readonly Role[] = ['owner', 'editor', 'viewer'];

/** Editing covers strokes, presence, votes, style uploads and gallery saves; viewers only watch. */
export function canEdit(role: Role): boolean {
  return role !== 'viewer';
}

/** The kinds of share link a room has; each carries its own secret, separate from the room id. */
export type LinkKind = 'edit' | 'view';

/** The URL fragment that carries a link's secret (a fragment never reaches server logs or referrers). */
export const LINK_KEY_PARAM = 'key';

/** A link's secret: 22 url-safe characters (132 bits). */
export const LINK_SECRET_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function isLinkSecret(value: unknown): value is string {
  return typeof value === 'string' && LINK_SECRET_PATTERN.test(value);
}

/** One person with a role in the room (for the owner's participant list). */
export interface RoomMemberInfo {
  userId: string;
  name: string;
  color: string;
  /** "removed": kept out whatever link they hold, until the owner gives them a role again. */
  role: Role | 'removed';
  /** How the role was given: by the owner, or by following one of the links. */
  via: 'owner' | 'invite' | LinkKind;
}

/** GET/POST /api/rooms/<id>/access: this browser's standing in the room. */
export interface RoomAccessInfo {
  role: Role;
  /** No owner yet (a room from before roles, or made without an identity): everyone edits until someone claims it. */
  open: boolean;
  private: boolean;
  /** Only the owner sees the links' secrets and the members. */
  links: Record<LinkKind, string> | null;
  members: RoomMemberInfo[] | null;
}

/** A share link as the page builds it: the room's page with the secret in the fragment. */
export function shareUrl(origin: string, roomId: string, secret: string): string {
  return `${origin}/r/${roomId}#${LINK_KEY_PARAM}=${secret}`;
}
