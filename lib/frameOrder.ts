import type { FrameMeta } from './protocol';

/**
 * Whether a frame that arrives should replace the one shown (frames can cross on the wire).
 * A newer document version always wins, even as a draft over a full frame: it shows the edit.
 * For the same version a full frame replaces a draft but never the reverse; the same version
 * at the same quality replaces (a style change re-renders the same document).
 */
export function supersedes(next: FrameMeta, shown: FrameMeta | null): boolean {
  if (!shown || next.version > shown.version) return true;
  if (next.version < shown.version) return false;
  return !(next.quality === 'draft' && shown.quality === 'full');
}
