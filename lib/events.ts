import { z } from 'zod';
import type { FrameMeta, RenderStatus } from './protocol';
import type { VoteAck, VoteState } from './social';

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
} as const;

/** What clients send, checked by the server before anything uses it. */
export const proposePayload = z.object({ styleId: z.string().min(1).max(80) }).strict();
export const votePayload = z.object({ roundId: z.string().min(1).max(40), candidateId: z.string().min(1).max(40) }).strict();

export type ProposePayload = z.infer<typeof proposePayload>;
export type VotePayload = z.infer<typeof votePayload>;
export type JoinAck = { ok: true } | { error: string };
/** Why the server ended a member's access; `code` is the matching CLOSE_CODES value of the Yjs socket. */
export type AccessClosed = { code: number; reason: string };

/** What the server emits (socket.io's typed emit on the server, typed listeners in the browser). */
export interface ServerToClientEvents {
  [EVENTS.frame]: (meta: FrameMeta, bytes: ArrayBuffer | Uint8Array) => void;
  [EVENTS.renderStatus]: (status: RenderStatus) => void;
  [EVENTS.voteUpdate]: (state: VoteState) => void;
  [EVENTS.accessClosed]: (closed: AccessClosed) => void;
}

/** What the browser emits; the server receives these as `unknown` and validates them. */
export interface ClientToServerEvents {
  [EVENTS.join]: (roomId: string, ack: (reply: JoinAck) => void) => void;
  [EVENTS.propose]: (payload: ProposePayload, ack: (reply: VoteAck) => void) => void;
  [EVENTS.vote]: (payload: VotePayload, ack: (reply: VoteAck) => void) => void;
  [EVENTS.voteState]: (ack: (reply: VoteAck) => void) => void;
}
