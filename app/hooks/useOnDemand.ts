'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { EVENTS, hiresAckPayload, hiresProgressPayload, takeAckPayload, type HiresAck, type TakeAck } from '@/lib/events';
import type { HiresProgress, HiresSize, TakeMeta } from '@/lib/protocol';
import { baseStyleOf, baseZ, MAX_TAKE_SEED, takeId, takeZ } from '@/lib/styleTake';
import type { RoomFeed } from './useRoomFeed';

type Feed = Pick<RoomFeed, 'socket' | 'connected' | 'votes'>;

/** Where this member's hi-res request is; `startedAt` lets the bar move between server updates. */
export type HiresState =
  | { phase: 'idle' }
  | { phase: 'asking'; size: HiresSize; progress: HiresProgress | null; startedAt: number }
  | { phase: 'done'; size: HiresSize; url: string; width: number; height: number; renderMs: number; fileName: string }
  | { phase: 'error'; size: HiresSize; error: string };

const toBlob = (image: ArrayBuffer | Uint8Array, mime: string) => new Blob([image as BlobPart], { type: mime });

function download(url: string, fileName: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
}

/**
 * A hi-res PNG of the room (512 or 1024 px) rendered by the server for this member only, with the
 * server's progress (queued behind others, rendering, encoding); downloaded when it arrives.
 */
export function useHires(feed: Feed, roomId: string) {
  const [state, setState] = useState<HiresState>({ phase: 'idle' });
  const url = useRef<string | null>(null);
  const { socket, connected } = feed;

  useEffect(() => {
    const s = socket.current;
    if (!s || !connected) return;
    const onProgress = (raw: unknown) => {
      const progress = hiresProgressPayload.safeParse(raw);
      if (!progress.success) return;
      const p = progress.data;
      setState((st) => {
        if (st.phase !== 'asking') return st;
        // The bar measures rendering time against the estimate: it starts when rendering does.
        const startedAt = p.state === 'rendering' && st.progress?.state !== 'rendering' ? performance.now() : st.startedAt;
        return { ...st, progress: p, startedAt };
      });
    };
    s.on(EVENTS.hiresProgress, onProgress);
    return () => void s.off(EVENTS.hiresProgress, onProgress);
  }, [socket, connected]);
  useEffect(() => () => void (url.current && URL.revokeObjectURL(url.current)), []);

  const request = useCallback(
    (size: HiresSize) => {
      const s = socket.current;
      if (!s?.connected) return setState({ phase: 'error', size, error: 'not connected; try again in a moment' });
      setState({ phase: 'asking', size, progress: null, startedAt: performance.now() });
      // A 1024 px render behind others can take a while on a busy server.
      s.timeout(120_000).emit(EVENTS.hires, { size }, (err: Error | null, raw: HiresAck) => {
        const ack = err ? null : hiresAckPayload.safeParse(raw);
        if (!ack?.success) return setState({ phase: 'error', size, error: err ? 'the server did not answer' : 'unreadable answer' });
        if ('error' in ack.data) return setState({ phase: 'error', size, error: ack.data.error });
        const { meta, image } = ack.data;
        if (url.current) URL.revokeObjectURL(url.current);
        url.current = URL.createObjectURL(toBlob(image, meta.mime));
        const fileName = `spade-canvas-${roomId}-v${meta.version}-${meta.width}px.png`;
        setState({ phase: 'done', size, url: url.current, width: meta.width, height: meta.height, renderMs: meta.renderMs, fileName });
        download(url.current, fileName);
      });
    },
    [socket, roomId],
  );
  return { state, request };
}

export interface Take {
  seed: number;
  meta: TakeMeta;
  url: string;
}

const newSeed = () => 1 + Math.floor(Math.random() * (MAX_TAKE_SEED - 1));

/**
 * "Another take" for this member only: the room's layout with a new noise sample of the room's
 * style (lib/styleTake.ts). While a take is shown it follows the painting: each newer document
 * version is rendered again with the same seed (one request at a time, the latest version wins).
 * `z` is the take's style for the in-browser preview; `styleId` is what a vote for it proposes.
 */
export function useTake(feed: Feed, localVersion: number) {
  const [seed, setSeed] = useState<number | null>(null);
  const [take, setTake] = useState<Take | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const shown = useRef<Take | null>(null);
  const { socket, connected, votes } = feed;

  const fetchTake = useCallback(
    (wanted: number) => {
      const s = socket.current;
      if (!s?.connected || inFlight.current) return;
      inFlight.current = true;
      s.timeout(30_000).emit(EVENTS.take, { seed: wanted }, (err: Error | null, raw: TakeAck) => {
        inFlight.current = false;
        const ack = err ? null : takeAckPayload.safeParse(raw);
        if (!ack?.success) return setError(err ? 'the server did not answer' : 'unreadable answer');
        if ('error' in ack.data) return setError(ack.data.error);
        const { meta, image } = ack.data;
        setError(null);
        setSeed((current) => {
          // Ended or replaced meanwhile: this answer is not wanted any more.
          if (current !== meta.seed) return current;
          if (shown.current) URL.revokeObjectURL(shown.current.url);
          shown.current = { seed: meta.seed, meta, url: URL.createObjectURL(toBlob(image, meta.mime)) };
          setTake(shown.current);
          return current;
        });
      });
    },
    [socket],
  );

  // A newer version of the painting (or a seed not rendered yet): render the take again.
  useEffect(() => {
    // After a refusal (limits, no hi-res graph) wait for the member to ask again.
    if (seed === null || !connected || error) return;
    if (take && take.seed === seed && take.meta.version >= localVersion) return;
    fetchTake(seed);
    // While a request is out, retry when it may have finished (the effect runs on each change).
    const t = setInterval(() => {
      if (!inFlight.current) fetchTake(seed);
    }, 250);
    return () => clearInterval(t);
  }, [seed, take, localVersion, connected, error, fetchTake]);

  const another = useCallback(() => {
    setError(null);
    setSeed(newSeed());
  }, []);
  const end = useCallback(() => {
    setError(null);
    setSeed(null);
    setTake(null);
    if (shown.current) URL.revokeObjectURL(shown.current.url);
    shown.current = null;
  }, []);

  const current = votes?.current.id ?? null;
  const currentZ = votes?.currentZ ?? null;
  const takeSeed = take?.seed ?? null;
  const z = useMemo(
    () => (takeSeed !== null && current && currentZ ? takeZ(baseZ(current, currentZ), takeSeed) : null),
    [takeSeed, current, currentZ],
  );
  const styleId = take && current ? takeId(baseStyleOf(current), take.seed) : null;
  return { seed, take: take?.seed === seed ? take : null, pending: seed !== null && take?.seed !== seed, error, z, styleId, another, end };
}
