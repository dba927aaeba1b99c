'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { FrameMeta, RenderStatus } from '@/lib/protocol';
import type { VoteAck, VoteState } from '@/lib/social';
import type { z } from 'zod';
import {
  EVENTS,
  frameMetaPayload,
  joinAckPayload,
  renderStatusPayload,
  voteAckPayload,
  voteStatePayload,
  type ClientToServerEvents,
  type ProposePayload,
  type ServerToClientEvents,
  type VotePayload,
} from '@/lib/events';
import { supersedes } from '@/lib/frameOrder';

export interface ShownFrame {
  meta: FrameMeta;
  url: string;
}

type FeedSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The payload when it matches its schema; otherwise null, and the page keeps what it shows. */
function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T | null {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  console.warn(`ignored a malformed ${what} from the server`, parsed.error.issues[0]);
  return null;
}

/** A vote action and its payload, as the style panel sends them. */
export type VoteAction = { event: typeof EVENTS.propose; payload: ProposePayload } | { event: typeof EVENTS.vote; payload: VotePayload };

export type RoomFeed = ReturnType<typeof useRoomFeed>;

/**
 * The room page's one socket.io connection: frames pushed by the server (full quality, or drafts
 * while the renderer is busy), render status, and the style vote (state pushed on every change,
 * actions acknowledged). A frame older than the one shown is dropped (frames can cross on the
 * wire), so the picture never steps back in time, and a draft never hides the full frame of the
 * same version.
 */
export function useRoomFeed(roomId: string) {
  const [frame, setFrame] = useState<ShownFrame | null>(null);
  const [status, setStatus] = useState<RenderStatus | null>(null);
  const [connected, setConnected] = useState(false);
  const [votes, setVotes] = useState<VoteState | null>(null);
  const socketRef = useRef<FeedSocket | null>(null);

  useEffect(() => {
    // The room in the handshake: an instance that does not own the room forwards the socket to the one that does.
    const socket: FeedSocket = io({ transports: ['websocket'], query: { room: roomId } });
    socketRef.current = socket;
    let shown: ShownFrame | null = null;
    const join = () =>
      socket.emit(EVENTS.join, roomId, (raw) => {
        const reply = checked(joinAckPayload, raw, 'join answer');
        if (reply && 'error' in reply) return setStatus({ state: 'unavailable', reason: reply.error });
        socket.emit(EVENTS.voteState, (r) => {
          const ack = checked(voteAckPayload, r, 'vote state');
          if (ack && 'state' in ack) setVotes(ack.state);
        });
      });
    socket.on(EVENTS.voteUpdate, (raw) => {
      const state = checked(voteStatePayload, raw, 'vote update');
      if (state) setVotes(state);
    });
    socket.on('connect', () => {
      setConnected(true);
      join();
    });
    socket.on('disconnect', () => setConnected(false));
    socket.on(EVENTS.frame, (raw, bytes) => {
      const meta = checked(frameMetaPayload, raw, 'frame');
      if (!meta || !(bytes instanceof ArrayBuffer || ArrayBuffer.isView(bytes))) return;
      if (!supersedes(meta, shown?.meta ?? null)) return;
      const url = URL.createObjectURL(new Blob([bytes as ArrayBuffer], { type: meta.mime }));
      if (shown) URL.revokeObjectURL(shown.url);
      shown = { meta, url };
      setFrame(shown);
    });
    socket.on(EVENTS.renderStatus, (raw) => {
      const s = checked(renderStatusPayload, raw, 'render status');
      if (s) setStatus(s);
    });
    return () => {
      socket.disconnect();
      socketRef.current = null;
      if (shown) URL.revokeObjectURL(shown.url);
    };
  }, [roomId]);

  /** Sends a proposal or a vote; resolves with the server's answer (or why there is none). */
  const sendVote = useCallback(
    (action: VoteAction) =>
      new Promise<VoteAck>((resolve) => {
        const socket = socketRef.current;
        if (!socket?.connected) return resolve({ error: 'not connected; retrying' });
        const done = (err: Error | null, raw: VoteAck) => {
          if (err) return resolve({ error: 'the server did not answer' });
          const ack = checked(voteAckPayload, raw, 'vote answer');
          if (!ack) return resolve({ error: 'the server sent an answer this page cannot read; reload the page' });
          if ('state' in ack) setVotes(ack.state);
          resolve(ack);
        };
        if (action.event === EVENTS.propose) socket.timeout(10_000).emit(EVENTS.propose, action.payload, done);
        else socket.timeout(10_000).emit(EVENTS.vote, action.payload, done);
      }),
    [],
  );

  // The room's style z travels with the vote state; previews render with it.
  const currentZ = votes?.currentZ;
  const styleZ = useMemo(() => (currentZ ? Float32Array.from(currentZ) : null), [currentZ]);

  // Requests of one member (hi-res images, takes: useOnDemand) go over the same connection.
  return { frame, status, connected, votes, styleZ, sendVote, socket: socketRef };
}
