import { z } from 'zod';
import { HIRES_SIZES, type FrameMeta, type HiresMeta, type HiresProgress, type RenderStatus, type TakeMeta } from './protocol';
import { MAX_TAKE_SEED } from './styleTake';
import type { PublicUser, StyleInfo, VoteAck, VoteCandidateInfo, VoteRoundInfo, VoteState } from './social';

/**
 * Every socket.io event, one table for the server and the browser. socket.io carries what is not
 * document state: rendered frames, render status and style votes, on one connection per room page.
 */
export const EVENTS = {
  /** client -> server: roomId, ack JoinAck. One room per connection. */
  join: 'join',
  /** server -> room: FrameMeta and the encoded image as binary. */
  frame: 'frame',
  /** server -> room: RenderStatus. */
  renderStatus: 'render-status',
  /** client -> server: ProposePayload, ack VoteAck. */
  propose: 'style:propose',
  /** client -> server: VotePayload, ack VoteAck. */
  vote: 'style:vote',
  /** client -> server: no payload, ack VoteAck (the current VoteState). */
  voteState: 'style:state',
  /** server -> room: VoteState, on every change. */
  voteUpdate: 'style:update',
  /** server -> one member: AccessClosed, then the server disconnects it (removed, role changed, link rotated). */
  accessClosed: 'access-closed',
  /** client -> server: HiresPayload, ack HiresAck (the PNG as binary); HiresProgress meanwhile. */
  hires: 'render:hires',
  /** server -> the member whose hi-res render it is: HiresProgress. */
  hiresProgress: 'render:hires-progress',
  /** client -> server: TakePayload, ack TakeAck: the room's layout in the member's own take of the style, for that member only. */
  take: 'render:take',
} as const;

/** What clients send, checked by the server before anything uses it. */
export const proposePayload = z.object({ styleId: z.string().min(1).max(80) }).strict();
export const votePayload = z.object({ roundId: z.string().min(1).max(40), candidateId: z.string().min(1).max(40) }).strict();

export const hiresPayload = z.object({ size: z.union(HIRES_SIZES.map((s) => z.literal(s))) }).strict();
export const takePayload = z.object({ seed: z.number().int().min(1).max(MAX_TAKE_SEED) }).strict();

export type ProposePayload = z.infer<typeof proposePayload>;
export type HiresPayload = z.infer<typeof hiresPayload>;
export type TakePayload = z.infer<typeof takePayload>;
/** Encoded images travel as binary: an ArrayBuffer in the browser, a Buffer from the server. */
type Binary = ArrayBuffer | Uint8Array;
export type HiresAck = { ok: true; meta: HiresMeta; image: Binary } | { error: string };
export type TakeAck = { ok: true; meta: TakeMeta; image: Binary } | { error: string };
export type VotePayload = z.infer<typeof votePayload>;
export type JoinAck = { ok: true } | { error: string };
/** Why the server ended a member's access; `code` is the matching CLOSE_CODES value of the Yjs socket. */
export type AccessClosed = { code: number; reason: string };

/**
 * What the server sends, checked by the browser before the page uses it: a server of another
 * version (a deploy mid-session) or a broken proxy then drops one event instead of breaking the page.
 */
const publicUser: z.ZodType<PublicUser> = z.object({ id: z.string(), name: z.string(), color: z.string() });
const styleInfo: z.ZodType<StyleInfo> = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['preset', 'custom', 'default']),
  thumbnail: z.string().nullable(),
});
const voteCandidate: z.ZodType<VoteCandidateInfo> = z.object({
  id: z.string(),
  style: styleInfo,
  proposedBy: publicUser,
  votes: z.number().int().nonnegative(),
  voters: z.array(publicUser),
});
const voteRound: z.ZodType<VoteRoundInfo> = z.object({
  id: z.string(),
  status: z.enum(['open', 'closed']),
  closedBy: z.enum(['majority', 'timer']).nullable(),
  winner: styleInfo.nullable(),
  openedBy: publicUser,
  createdAt: z.string(),
  closesAt: z.string(),
  closedAt: z.string().nullable(),
  candidates: z.array(voteCandidate),
});
export const voteStatePayload: z.ZodType<VoteState> = z.object({
  roomId: z.string(),
  current: styleInfo,
  currentZ: z.array(z.number().finite()),
  present: z.number().int().nonnegative(),
  roundSeconds: z.number().positive(),
  open: voteRound.nullable(),
  history: z.array(voteRound),
});
export const voteAckPayload: z.ZodType<VoteAck> = z.union([
  z.object({ ok: z.literal(true), state: voteStatePayload }),
  z.object({ error: z.string() }),
]);
export const joinAckPayload: z.ZodType<JoinAck> = z.union([z.object({ ok: z.literal(true) }), z.object({ error: z.string() })]);
export const frameMetaPayload: z.ZodType<FrameMeta> = z.object({
  roomId: z.string(),
  version: z.number().int().nonnegative(),
  model: z.string(),
  style: z.string(),
  quality: z.enum(['draft', 'full']),
  renderMs: z.number().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  mime: z.enum(['image/webp', 'image/png', 'image/jpeg']),
  bytes: z.number().int().nonnegative(),
  at: z.number(),
});
export const renderStatusPayload: z.ZodType<RenderStatus> = z.union([
  z.object({ state: z.enum(['rendering', 'idle']), version: z.number().int().nonnegative() }),
  z.object({ state: z.literal('unavailable'), reason: z.string() }),
]);
const binary = z.custom<Binary>((v) => v instanceof ArrayBuffer || v instanceof Uint8Array, 'binary image');
const imageMeta = {
  roomId: z.string(),
  version: z.number().int().nonnegative(),
  model: z.string(),
  style: z.string(),
  renderMs: z.number().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  mime: z.enum(['image/webp', 'image/png', 'image/jpeg']),
  bytes: z.number().int().nonnegative(),
};
export const hiresAckPayload: z.ZodType<HiresAck> = z.union([
  z.object({ ok: z.literal(true), meta: z.object(imageMeta), image: binary }),
  z.object({ error: z.string() }),
]);
export const takeAckPayload: z.ZodType<TakeAck> = z.union([
  z.object({ ok: z.literal(true), meta: z.object({ ...imageMeta, seed: z.number().int().positive() }), image: binary }),
  z.object({ error: z.string() }),
]);
export const hiresProgressPayload: z.ZodType<HiresProgress> = z.object({
  size: z.number().int().positive(),
  state: z.enum(['queued', 'rendering', 'encoding']),
  ahead: z.number().int().nonnegative(),
  expectedMs: z.number().nonnegative().nullable(),
});
export const accessClosedPayload: z.ZodType<AccessClosed> = z.object({ code: z.number().int(), reason: z.string() });

/** What the server emits (socket.io's typed emit on the server, typed listeners in the browser). */
export interface ServerToClientEvents {
  [EVENTS.frame]: (meta: FrameMeta, bytes: ArrayBuffer | Uint8Array) => void;
  [EVENTS.renderStatus]: (status: RenderStatus) => void;
  [EVENTS.voteUpdate]: (state: VoteState) => void;
  [EVENTS.accessClosed]: (closed: AccessClosed) => void;
  [EVENTS.hiresProgress]: (progress: HiresProgress) => void;
}

/** What the browser emits; the server receives these as `unknown` and validates them. */
export interface ClientToServerEvents {
  [EVENTS.join]: (roomId: string, ack: (reply: JoinAck) => void) => void;
  [EVENTS.propose]: (payload: ProposePayload, ack: (reply: VoteAck) => void) => void;
  [EVENTS.vote]: (payload: VotePayload, ack: (reply: VoteAck) => void) => void;
  [EVENTS.voteState]: (ack: (reply: VoteAck) => void) => void;
  [EVENTS.hires]: (payload: HiresPayload, ack: (reply: HiresAck) => void) => void;
  [EVENTS.take]: (payload: TakePayload, ack: (reply: TakeAck) => void) => void;
}
