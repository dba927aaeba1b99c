import type { LabelSet } from './labels';

/** Room ids are unguessable url-safe strings; the server makes them, clients only echo them. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{10,32}$/;

export function isRoomId(value: unknown): value is string {
  return typeof value === 'string' && ROOM_ID_PATTERN.test(value);
}

/** Path of the Yjs websocket endpoint; the room id follows it (y-websocket appends `/<room>`). */
export const YJS_PATH = '/yjs';

/** The only shared type a room document has: the list of immutable stroke records. */
export const STROKES_KEY = 'strokes';

/** Close codes the sync server uses, so clients can tell a refusal from a network drop. */
export const CLOSE_CODES = {
  invalidMessage: 4400,
  rateLimited: 4429,
  unknownRoom: 4404,
  /** An update that depends on document state the room does not have (the client should resync). */
  missingState: 4412,
  /** The session did not read what it was sent: its send buffer passed the limit. */
  slowReader: 4508,
  /** No access to the room: private without a current link, removed by the owner, or its link was rotated. */
  noAccess: 4401,
  /** A viewer (or a connection without an identity in an owned room) sent a change. */
  readOnly: 4403,
  /** A stroke whose author is not the session's user, or presence for another connection's client id. */
  notYours: 4422,
  /** The owner changed this person's role: reconnect to continue with the new one. */
  roleChanged: 4409,
} as const;

export interface ModelInfo {
  id: string;
  name: string;
  size: [number, number];
  zDim: number;
  labels: LabelSet;
  /** The in-browser preview model distilled from this one, if shipped. */
  preview: { id: string; url: string; size: [number, number]; bytes: number } | null;
}

/** GET /api/models */
export interface ModelList {
  default: string;
  models: ModelInfo[];
}

export interface RoomInfo {
  id: string;
  createdAt: string;
  model: ModelInfo;
}

export interface ApiError {
  error: string;
}

/** Awareness state each client publishes (validated on receipt by every peer). */
export interface PresenceState {
  user: { name: string; color: string };
  cursor: { x: number; y: number } | null;
  tool: string;
  label: string;
  /** The stroke being drawn right now, so others see it before it is committed. */
  drawing: { tool: string; label: string; size: number; points: number[] } | null;
  /** Zoom and pan: at `scale`, canvas point u (0..1) shows at u * scale + x (y alike) of the square frame. */
  view?: { scale: number; x: number; y: number } | null;
}

/**
 * 'draft': rendered by the model's cheaper draft graph (same weights at a lower internal
 * resolution) while several rooms wait for the renderer; a 'full' frame of the same state follows
 * once the room stops changing.
 */
export type FrameQuality = 'draft' | 'full';

/** What accompanies each rendered frame (the encoded image travels beside it as binary). */
export interface FrameMeta {
  roomId: string;
  /** docVersion of the state the frame was rendered from. */
  version: number;
  model: string;
  style: string;
  quality: FrameQuality;
  /** Wall time from taking the state to the encoded image, in ms. */
  renderMs: number;
  width: number;
  height: number;
  mime: string;
  bytes: number;
  at: number;
}

export type RenderStatus =
  { state: 'rendering'; version: number } | { state: 'idle'; version: number } | { state: 'unavailable'; reason: string };

/** Sizes of the hi-res renders the server makes on demand (download, saved scenes). */
export const HIRES_SIZES = [512, 1024] as const;
export type HiresSize = (typeof HIRES_SIZES)[number];

/** An image rendered for one member on request (not a room frame). */
interface ImageMeta {
  roomId: string;
  /** docVersion of the state it was rendered from. */
  version: number;
  model: string;
  style: string;
  /** From the request's turn to the encoded image, in ms (queue wait excluded). */
  renderMs: number;
  width: number;
  height: number;
  mime: string;
  bytes: number;
}
export type HiresMeta = ImageMeta;
/** A take: the room's style moved by the seed's noise (lib/styleTake.ts). */
export interface TakeMeta extends ImageMeta {
  seed: number;
}

/**
 * Where a member's hi-res render is: waiting behind `ahead` others, rendering (expectedMs: what the
 * last render of that size took here, null before the first), or encoding the PNG.
 */
export interface HiresProgress {
  size: number;
  state: 'queued' | 'rendering' | 'encoding';
  ahead: number;
  expectedMs: number | null;
}
