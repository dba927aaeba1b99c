'use client';

import { useEffect, useState } from 'react';
import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as decoding from 'lib0/decoding';
import { MESSAGE_STORED, mergeStored, unsavedStrokes } from '@/lib/stored';
import type { RoomSync } from './useRoomSync';

/** Where the browser keeps a room's document, so strokes the server has not stored survive a reload or a closed tab. */
const localName = (roomId: string) => `spade-room-${roomId}`;
/** Key (y-indexeddb's custom store) of the clocks the server acknowledged: a reload while offline still knows them. */
const STORED_KEY = 'stored';
/** Counting unsaved strokes walks the whole array: at most this often. */
const RECOUNT_MS = 150;

/**
 * Acknowledged durability in the page (lib/stored.ts): keeps the room's document in IndexedDB
 * (y-indexeddb; what the server lacks is sent when the socket is back, by y-websocket's sync
 * step 2 and its update broadcast) and counts `userId`'s strokes the server has not acknowledged
 * as stored. Registers its message handler before the socket can deliver anything: the provider
 * connects in useRoomSync's effect and messages arrive as later tasks. A viewer's page keeps
 * nothing locally: it has no strokes of its own to save, and a stale local copy would be a change
 * the server refuses from it (readOnly) on every reopening.
 */
export function useSaveState(sync: RoomSync | null, roomId: string, userId: string, keepLocal: boolean): number {
  const [unsaved, setUnsaved] = useState(0);

  useEffect(() => {
    if (!sync) return;
    const { provider, doc, strokes } = sync;
    const local = keepLocal ? new IndexeddbPersistence(localName(roomId), doc) : null;
    const stored = new Map<number, number>();
    let recount: ReturnType<typeof setTimeout> | null = null;
    const scheduleRecount = () => {
      recount ??= setTimeout(() => {
        recount = null;
        setUnsaved(unsavedStrokes(strokes, stored, userId));
      }, RECOUNT_MS);
    };
    const learn = (acknowledged: Map<number, number>) => {
      if (!mergeStored(stored, acknowledged)) return;
      scheduleRecount();
      void local?.set(STORED_KEY, new Uint8Array(Y.encodeStateVector(stored)).buffer).catch(() => undefined);
    };
    local?.get(STORED_KEY).then(
      (saved: unknown) => {
        if (saved instanceof ArrayBuffer) learn(Y.decodeStateVector(new Uint8Array(saved)));
      },
      () => undefined,
    );
    provider.messageHandlers[MESSAGE_STORED] = (_encoder, decoder) => {
      // A malformed acknowledgement only costs this message; the next one repeats the clocks.
      try {
        learn(Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
      } catch {
        return;
      }
    };
    doc.on('update', scheduleRecount);
    scheduleRecount();
    return () => {
      if (recount) clearTimeout(recount);
      doc.off('update', scheduleRecount);
      delete provider.messageHandlers[MESSAGE_STORED];
      void local?.destroy();
    };
  }, [sync, roomId, userId, keepLocal]);

  return unsaved;
}
