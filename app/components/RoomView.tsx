'use client';

import { useCallback, useEffect, useState } from 'react';
import type { RoomInfo } from '@/lib/protocol';
import { newStrokeId } from '@/lib/strokes';
import { rememberRoom, type Identity } from '../lib/identity';
import { api } from '../lib/api';
import { LOCAL_ORIGIN, usePeers, useRoomSync } from '../hooks/useRoomSync';
import { PaintCanvas, type PaintTool } from './PaintCanvas';
import { Palette, labelIndexForKey, labelKeysHint } from './Palette';
import { CopyLink } from './CopyLink';
import { LabelMapFile } from './LabelMapFile';
import { Toolbar, TOOLS } from './Toolbar';
import { PeopleList } from './PeopleList';
import { RenderPane, VIEW_MODES, type ViewMode } from './RenderPane';
import { usePreview } from '../hooks/usePreview';
import { useRoomFeed } from '../hooks/useRoomFeed';
import { StylePanel } from './StylePanel';
import { SaveScene } from './SaveScene';
import { IdentityEditor } from './IdentityEditor';

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function RoomView({ roomId }: { roomId: string }) {
  const [info, setInfo] = useState<RoomInfo | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [me, setMe] = useState<Identity | null>(null);

  useEffect(() => {
    // Strokes, presence and votes all carry this id: wait for it before opening the room.
    api.me().then(setMe, (e: Error) => setLoadError(`Could not get your identity: ${e.message}`));
  }, []);

  useEffect(() => {
    api
      .room(roomId)
      .then((body) => {
        setInfo(body);
        rememberRoom(roomId);
      })
      .catch((e: Error) => setLoadError(e.message));
  }, [roomId]);

  if (loadError) {
    return (
      <main className="center-message">
        <h1>Room unavailable</h1>
        <p>{loadError === 'no such room' ? 'This room does not exist. Check the link, or start a new one.' : loadError}</p>
        <a className="primary" href="/">
          Back to the start page
        </a>
      </main>
    );
  }
  if (!info || !me)
    return (
      <main className="center-message">
        <p className="muted">Opening room…</p>
      </main>
    );
  return <Room info={info} me={me} />;
}

function Room({ info, me }: { info: RoomInfo; me: Identity }) {
  const labels = info.model.labels;
  const { sync, status, synced, refusal } = useRoomSync(info.id);
  const peers = usePeers(sync?.provider);
  const [identity, setIdentity] = useState<Identity | null>(me);
  const [tool, setTool] = useState<PaintTool>('brush');
  const [label, setLabel] = useState(() => labels.labels.find((l) => l.name !== labels.background)?.name ?? labels.background);
  const [size, setSize] = useState(40);
  const [undoState, setUndoState] = useState({ canUndo: false, canRedo: false });
  const [mapHash, setMapHash] = useState('');
  const [localVersion, setLocalVersion] = useState(0);
  const feed = useRoomFeed(info.id);
  const preview = usePreview(info.model, sync?.strokes ?? null, sync?.doc ?? null, feed.styleZ);
  const { setPeerDrawings } = preview;
  // Others' strokes in progress (presence) join the live preview.
  useEffect(() => setPeerDrawings(peers.map((p) => p.drawing)), [peers, setPeerDrawings]);
  const [viewMode, setViewMode] = useState<ViewMode>('auto');
  const userId = me.id;

  // Presence: who we are and what we hold.
  useEffect(() => {
    if (!sync || !identity) return;
    const a = sync.provider.awareness;
    a.setLocalStateField('user', identity);
    a.setLocalStateField('tool', tool);
    a.setLocalStateField('label', label);
    if (a.getLocalState()?.cursor === undefined) a.setLocalStateField('cursor', null);
    if (a.getLocalState()?.drawing === undefined) a.setLocalStateField('drawing', null);
  }, [sync, identity, tool, label]);

  useEffect(() => {
    if (!sync) return;
    const update = () => setUndoState({ canUndo: sync.undo.canUndo(), canRedo: sync.undo.canRedo() });
    sync.undo.on('stack-item-added', update);
    sync.undo.on('stack-item-popped', update);
    sync.undo.on('stack-cleared', update);
    return () => {
      sync.undo.off('stack-item-added', update);
      sync.undo.off('stack-item-popped', update);
      sync.undo.off('stack-cleared', update);
    };
  }, [sync]);

  const clear = useCallback(() => {
    if (!sync) return;
    sync.doc.transact(
      () => sync.strokes.push([{ id: newStrokeId(), tool: 'clear', label: labels.background, size: 1, points: [], by: userId }]),
      LOCAL_ORIGIN,
    );
  }, [sync, labels.background, userId]);

  // Keyboard shortcuts (ignored while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!sync) return;
      const target = e.target as HTMLElement;
      if (target.closest('input, textarea, select, [contenteditable]')) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 'z') {
        e.preventDefault();
        if (e.shiftKey) sync.undo.redo();
        else sync.undo.undo();
        return;
      }
      if (mod && key === 'y') {
        e.preventDefault();
        sync.undo.redo();
        return;
      }
      if (mod || e.altKey) return;
      if (e.key === 'Delete' && e.shiftKey) return clear();
      if (key === 'v') return setViewMode((m) => VIEW_MODES[(VIEW_MODES.findIndex((x) => x.id === m) + 1) % VIEW_MODES.length].id);
      const t = TOOLS.find((x) => x.key.toLowerCase() === key);
      if (t) return setTool(t.id);
      if (e.key === '[') return setSize((s) => Math.max(4, s - 4));
      if (e.key === ']') return setSize((s) => Math.min(256, s + 4));
      const index = labelIndexForKey(e);
      if (index >= 0 && labels.labels[index]) setLabel(labels.labels[index].name);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [sync, labels, clear]);

  return (
    <div className="room">
      <header className="room-header">
        <a href="/" className="brand">
          <span className="logo-mark" aria-hidden>
            ◆
          </span>{' '}
          SPADE Canvas
        </a>
        <span className={`status status-${status}`} data-testid="sync-status" data-synced={synced}>
          {status === 'connected' ? (synced ? 'Live' : 'Syncing…') : status === 'connecting' ? 'Connecting…' : 'Offline, retrying'}
        </span>
        <span className="muted small model-name">{info.model.name}</span>
        <div className="spacer" />
        <a className="secondary" href="/gallery">
          Gallery
        </a>
        <SaveScene roomId={info.id} />
        {identity && <IdentityEditor me={identity} onChange={setIdentity} />}
        <CopyLink />
      </header>
      {refusal && (
        <div className="banner error" role="alert">
          Server refused this connection: {refusal}
        </div>
      )}
      <div className="room-body">
        <aside className="side left">
          <Toolbar
            tool={tool}
            size={size}
            canUndo={undoState.canUndo}
            canRedo={undoState.canRedo}
            onTool={setTool}
            onSize={setSize}
            onUndo={() => sync?.undo.undo()}
            onRedo={() => sync?.undo.redo()}
            onClear={clear}
          />
          <Palette labels={labels} value={label} onChange={setLabel} />
          {sync && <LabelMapFile sync={sync} labels={labels} roomId={info.id} userId={userId} />}
        </aside>
        <main className="stage">
          <div className="stage-pair">
            {sync && (
              <PaintCanvas
                sync={sync}
                labels={labels}
                tool={tool}
                label={label}
                size={size}
                userId={userId}
                peers={peers}
                onLiveStroke={preview.setLiveStroke}
                onPickLabel={setLabel}
                onLabelMap={(map, version) => {
                  setMapHash(fnv1a(map));
                  setLocalVersion(version);
                }}
              />
            )}
            <RenderPane
              frame={feed.frame}
              status={feed.status}
              connected={feed.connected}
              localVersion={localVersion}
              preview={preview}
              mode={viewMode}
              onMode={setViewMode}
            />
          </div>
          <p className="muted small hint" data-testid="map-hash" data-hash={mapHash}>
            Strokes sync live to everyone with the link · B brush · E eraser · L line · F fill · [ ] size ·{' '}
            {labelKeysHint(labels.labels.length)} labels · Alt-click picks a label · wheel or + − zoom · space-drag pan · ⇧0 fit · Ctrl+Z
            undo · V picture view · P large picture
          </p>
        </main>
        <aside className="side right">
          <StylePanel roomId={info.id} me={me} feed={feed} />
          <PeopleList me={identity} peers={peers} labels={labels} />
        </aside>
      </div>
    </div>
  );
}
