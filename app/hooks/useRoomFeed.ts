'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { FrameMeta, RenderStatus } from '@/lib/protocol';
import type { VoteAck, VoteState } from '@/lib/social';
import { EVENTS, type ClientToServerEvents, type ProposePayload, type ServerToClientEvents, type VotePayload } from '@/lib/events';
import { supersedes } from '@/lib/frameOrder';

export interface ShownFrame {
  meta: FrameMeta;
  url: string;
}

type FeedSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

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
    const socket: FeedSocket = io({ transports: ['websocket'] });
    socketRef.current = socket;
    let shown: ShownFrame | null = null;
    const join = () =>
      socket.emit(EVENTS.join, roomId, (reply) => {
        if ('error' in reply) return setStatus({ state: 'unavailable', reason: reply.error });
        socket.emit(EVENTS.voteState, (r) => {
          if ('state' in r) setVotes(r.state);
        });
      });
    socket.on(EVENTS.voteUpdate, (state) => setVotes(state));
    socket.on('connect', () => {
      setConnected(true);
      join();
    });
    socket.on('disconnect', () => setConnected(false));
    socket.on(EVENTS.frame, (meta, bytes) => {
      if (!supersedes(meta, shown?.meta ?? null)) return;
      const url = URL.createObjectURL(new Blob([bytes as ArrayBuffer], { type: meta.mime }));
      if (shown) URL.revokeObjectURL(shown.url);
      shown = { meta, url };
      setFrame(shown);
    });
    socket.on(EVENTS.renderStatus, (s) => setStatus(s));
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
        const done = (err: Error | null, ack: VoteAck) => {
          if (err) return resolve({ error: 'the server did not answer' });
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

  return { frame, status, connected, votes, styleZ, sendVote };
}
