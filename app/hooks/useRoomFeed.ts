'use client';

import { useEffect, useState } from 'react';
import { io } from 'socket.io-client';
import { SOCKET_EVENTS, type FrameMeta, type RenderStatus } from '@/lib/protocol';
import { VOTE_EVENTS, type VoteState } from '@/lib/social';
import { supersedes } from '@/lib/frameOrder';

export interface ShownFrame {
  meta: FrameMeta;
  url: string;
}

/**
 * Frames pushed by the server for one room (full quality, or drafts while the renderer is busy).
 * A frame older than the one shown is dropped (frames can cross on the wire), so the picture
 * never steps back in time, and a draft never hides the full frame of the same version.
 */
export function useRenderFeed(roomId: string) {
  const [frame, setFrame] = useState<ShownFrame | null>(null);
  const [status, setStatus] = useState<RenderStatus | null>(null);
  const [connected, setConnected] = useState(false);
  // The room's style z travels with the vote state; previews render with it.
  const [styleZ, setStyleZ] = useState<Float32Array | null>(null);

  useEffect(() => {
    const socket = io({ transports: ['websocket'] });
    let shown: ShownFrame | null = null;
    const join = () =>
      socket.emit(SOCKET_EVENTS.join, roomId, (reply: { ok?: boolean; error?: string }) => {
        if (reply?.error) return setStatus({ state: 'unavailable', reason: reply.error });
        socket.emit(VOTE_EVENTS.state, (r: { ok: true; state: VoteState } | { error: string }) => {
          if ('state' in r) setStyleZ(Float32Array.from(r.state.currentZ));
        });
      });
    socket.on(VOTE_EVENTS.update, (state: VoteState) => setStyleZ(Float32Array.from(state.currentZ)));
    socket.on('connect', () => {
      setConnected(true);
      join();
    });
    socket.on('disconnect', () => setConnected(false));
    socket.on(SOCKET_EVENTS.frame, (meta: FrameMeta, bytes: ArrayBuffer) => {
      if (!supersedes(meta, shown?.meta ?? null)) return;
      const url = URL.createObjectURL(new Blob([bytes], { type: meta.mime }));
      if (shown) URL.revokeObjectURL(shown.url);
      shown = { meta, url };
      setFrame(shown);
    });
    socket.on(SOCKET_EVENTS.renderStatus, (s: RenderStatus) => setStatus(s));
    return () => {
      socket.disconnect();
      if (shown) URL.revokeObjectURL(shown.url);
    };
  }, [roomId]);

  return { frame, status, connected, styleZ };
}
