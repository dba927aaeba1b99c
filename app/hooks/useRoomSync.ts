'use client';

import { useEffect, useMemo, useState } from 'react';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import type { Stroke } from '@/lib/strokes';
import { CLOSE_CODES, STROKES_KEY, YJS_PATH, type PresenceState } from '@/lib/protocol';
import { parsePresence } from '@/lib/presence';

export type SyncStatus = 'connecting' | 'connected' | 'disconnected';

export interface Peer extends PresenceState {
  clientId: number;
}

const STOP_RETRYING = new Set<number>([CLOSE_CODES.unknownRoom, CLOSE_CODES.noAccess, CLOSE_CODES.readOnly, CLOSE_CODES.roleChanged]);

/** Origin of this user's own writes: the undo manager tracks only these. */
export const LOCAL_ORIGIN = Symbol('local-user');

export interface RoomSync {
  doc: Y.Doc;
  strokes: Y.Array<Stroke>;
  provider: WebsocketProvider;
  undo: Y.UndoManager;
}

/**
 * Connects a Y.Doc to the room's sync endpoint and exposes the pieces the room UI needs.
 * One instance per mounted room; destroyed (socket closed, presence removed) on unmount.
 */
export function useRoomSync(roomId: string) {
  const sync = useMemo<RoomSync | null>(() => {
    if (typeof window === 'undefined') return null;
    const doc = new Y.Doc();
    const strokes = doc.getArray<Stroke>(STROKES_KEY);
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${YJS_PATH}`;
    const provider = new WebsocketProvider(url, roomId, doc, {
      connect: false,
      maxBackoffTime: 4000,
      // y-websocket gives up on every 44xx; only these would repeat. The rest (missingState after
      // a restart, a relayed stroke refused while its author reconnects, rate limits) resync on the next try.
      shouldReconnect: (event) => !STOP_RETRYING.has(event.code) && event.code !== CLOSE_CODES.invalidMessage,
    });
    // Each stroke is its own undo step; only this user's strokes are undone.
    const undo = new Y.UndoManager(strokes, { trackedOrigins: new Set([LOCAL_ORIGIN]), captureTimeout: 0 });
    return { doc, strokes, provider, undo };
  }, [roomId]);

  const [status, setStatus] = useState<SyncStatus>('connecting');
  const [synced, setSynced] = useState(false);
  const [refusal, setRefusal] = useState<{ code: number; reason: string } | null>(null);

  useEffect(() => {
    if (!sync) return;
    const { provider, doc, undo } = sync;
    const onStatus = ({ status: s }: { status: SyncStatus }) => setStatus(s);
    const onSync = (isSynced: boolean) => setSynced(isSynced);
    const onClose = (event: CloseEvent | null) => {
      if (!event || event.code < 4000) return;
      setRefusal({ code: event.code, reason: event.reason || 'the server refused this connection' });
      // These refusals would repeat on every retry: stop retrying. For the access codes the page
      // re-reads its standing and reopens the room with the new role (or says why it cannot).
      if (STOP_RETRYING.has(event.code)) provider.shouldConnect = false;
    };
    provider.on('status', onStatus);
    provider.on('sync', onSync);
    provider.on('connection-close', onClose);
    provider.connect();
    return () => {
      provider.off('status', onStatus);
      provider.off('sync', onSync);
      provider.off('connection-close', onClose);
      provider.destroy();
      undo.destroy();
      doc.destroy();
    };
  }, [sync]);

  return { sync, status, synced, refusal };
}

/** Peers' presence, re-read whenever awareness changes; malformed states are dropped. */
export function usePeers(provider: WebsocketProvider | undefined): Peer[] {
  const [peers, setPeers] = useState<Peer[]>([]);
  useEffect(() => {
    if (!provider) return;
    const awareness = provider.awareness;
    const read = () => {
      const list: Peer[] = [];
      awareness.getStates().forEach((state, clientId) => {
        if (clientId === awareness.clientID) return;
        const presence = parsePresence(state);
        if (presence) list.push({ ...presence, clientId });
      });
      setPeers(list);
    };
    awareness.on('change', read);
    read();
    return () => awareness.off('change', read);
  }, [provider]);
  return peers;
}
