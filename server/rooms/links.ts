import { customAlphabet } from 'nanoid';
import type { LinkKind } from '../../lib/access';

// 22 characters from 64 symbols = 132 bits: as unguessable as the identity cookie's id and more
// than the room id, which is not secret (the gallery shows it).
export const newLinkSecret = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-', 22);

export const LINK_KINDS: readonly LinkKind[] = ['edit', 'view'];

/** Rows for a room's two share links, each with a fresh secret. */
export function freshLinks(roomId: string): Array<{ roomId: string; kind: LinkKind; secret: string }> {
  return LINK_KINDS.map((kind) => ({ roomId, kind, secret: newLinkSecret() }));
}
