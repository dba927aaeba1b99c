/** The history a room's server keeps: versions (snapshots of the document) and who changed what. */

/**
 * Why a version was stored: every HISTORY_EVERY_CHANGES changes or HISTORY_EVERY_MS of editing
 * ('periodic'), just before a clear ('clear'), a large deletion or a deletion of strokes no
 * version holds yet ('deletion'), or a restore ('restore'), and when the room unloads ('unload').
 */
export type VersionReason = 'periodic' | 'clear' | 'deletion' | 'restore' | 'unload';

export const VERSION_REASONS: readonly VersionReason[] = ['periodic', 'clear', 'deletion', 'restore', 'unload'];

/** One person's changes between the previous version and this one. */
export interface VersionChange {
  /** Null: a connection without an identity (an open room). */
  userId: string | null;
  name: string;
  color: string;
  added: number;
  removed: number;
  clears: number;
  /** Versions this person restored (their ids). */
  restored: number[];
}

export interface HistoryVersion {
  id: number;
  at: string;
  reason: VersionReason;
  /** Who made the change the version was stored before (clear, deletion, restore), if anyone. */
  by: { userId: string | null; name: string } | null;
  /** For a 'restore' version: the version that was restored right after it. */
  restoredFrom: number | null;
  strokes: number;
  changes: VersionChange[];
}

/** GET /api/rooms/<id>/history, newest first; POST .../history/<version>/restore answers it too. */
export interface HistoryList {
  versions: HistoryVersion[];
}
