'use client';

import { useCallback, useEffect, useState } from 'react';
import { CLOSE_CODES, type RoomInfo } from '@/lib/protocol';
import { canEdit, isLinkSecret, LINK_KEY_PARAM, type RoomAccessInfo } from '@/lib/access';
import { newStrokeId } from '@/lib/strokes';
import { rememberRoom, type Identity } from '../lib/identity';
import { api, ApiError } from '../lib/api';
import { LOCAL_ORIGIN, usePeers, useRoomSync } from '../hooks/useRoomSync';
import { useSaveState } from '../hooks/useSaveState';
import { SaveStatus } from './SaveStatus';
import { PaintCanvas, type PaintTool } from './PaintCanvas';
import { Palette, labelIndexForKey, labelKeysHint } from './Palette';
import { CopyLink } from './CopyLink';
import { LabelMapFile } from './LabelMapFile';
import { Toolbar, TOOLS } from './Toolbar';
import { PeopleList } from './PeopleList';
import { RenderPane, VIEW_MODES, type ViewMode } from './RenderPane';
import { usePreview } from '../hooks/usePreview';
import { useRoomFeed } from '../hooks/useRoomFeed';
import { useHires, useTake } from '../hooks/useOnDemand';
import { EVENTS } from '@/lib/events';
import { StylePanel } from './StylePanel';
import { SaveScene } from './SaveScene';
import { IdentityEditor } from './IdentityEditor';
import { AccessPanel } from './AccessPanel';
import { HistoryPanel } from './HistoryPanel';
import { UnderstandingCheck } from './UnderstandingCheck';
import { ReadOnlyBanner, ReadOnlyCanvas } from './ReadOnlyBanner';

/** Close codes that mean this browser's standing changed: re-read it and reopen the room. */
const ACCESS_CODES = new Set<number>([CLOSE_CODES.noAccess, CLOSE_CODES.readOnly, CLOSE_CODES.roleChanged]);

/**
 * This browser's standing in the room; a link's secret in the address (`#key=`) is redeemed first,
 * then dropped from the address bar so that copying the address later does not pass it on. A link
 * that is no longer valid still lets a public room open (as a viewer), with a notice.
 */
async function readAccess(roomId: string): Promise<{ access: RoomAccessInfo; notice: string | null }> {
  const key = new URLSearchParams(location.hash.slice(1)).get(LINK_KEY_PARAM);
  let notice: string | null = null;
  if (isLinkSecret(key)) {
    try {
      const access = await api.redeemLink(roomId, key);
      history.replaceState(history.state, '', location.pathname + location.search);
      return { access, notice };
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 403) throw e;
      notice = e.message;
    }
  }
  try {
    return { access: await api.access(roomId), notice };
  } catch (e) {
    throw new Error(notice ?? (e as Error).message);
  }
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function RoomView({ roomId }: { roomId: string }) {
  const [info, setInfo] = useState<RoomInfo | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [me, setMe] = useState<Identity | null>(null);
  const [access, setAccess] = useState<RoomAccessInfo | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** Bumped when the standing changed under a live connection: the room reopens with the new one. */
  const [opening, setOpening] = useState(0);
  const identified = me !== null;

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

  useEffect(() => {
    // The access answers are about the identity cookie: wait until it is set.
    if (!identified) return;
    let current = true;
    readAccess(roomId).then(
      (r) => {
        if (!current) return;
        setAccess(r.access);
        setNotice(r.notice);
      },
      (e: Error) => current && setLoadError(e.message),
    );
    return () => {
      current = false;
    };
  }, [roomId, identified]);

  const onAccessClosed = useCallback(
    (reason: string) => {
      readAccess(roomId).then(
        (r) => {
          setAccess(r.access);
          // The one who claimed the room is closed too (to reconnect as its owner): no news to them.
          setNotice(r.access.role === 'owner' ? null : reason);
          setOpening((n) => n + 1);
        },
        (e: Error) => setLoadError(`${reason}. ${e.message}`),
      );
    },
    [roomId],
  );

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
  if (!info || !me || !access)
    return (
      <main className="center-message">
        <p className="muted">Opening room…</p>
      </main>
    );
  return <Room key={opening} info={info} me={me} access={access} notice={notice} onAccess={setAccess} onAccessClosed={onAccessClosed} />;
}

interface RoomProps {
  info: RoomInfo;
  me: Identity;
  access: RoomAccessInfo;
  /** Why the room was reopened (a role change, an invalid link), shown until dismissed. */
  notice: string | null;
  onAccess(access: RoomAccessInfo): void;
  onAccessClosed(reason: string): void;
}

function Room({ info, me, access, notice, onAccess, onAccessClosed }: RoomProps) {
  const labels = info.model.labels;
  const editable = canEdit(access.role);
  const { sync, status, synced, refusal } = useRoomSync(info.id);
  const [askClear, setAskClear] = useState(false);
  const [shownNotice, setShownNotice] = useState(notice);
  useEffect(() => {
    if (refusal && ACCESS_CODES.has(refusal.code)) onAccessClosed(refusal.reason);
  }, [refusal, onAccessClosed]);
  const peers = usePeers(sync?.provider);
  const unsaved = useSaveState(sync, info.id, me.id, editable);
  const [identity, setIdentity] = useState<Identity | null>(me);
  const [tool, setTool] = useState<PaintTool>('brush');
  const [label, setLabel] = useState(() => labels.labels.find((l) => l.name !== labels.background)?.name ?? labels.background);
  const [size, setSize] = useState(40);
  const [undoState, setUndoState] = useState({ canUndo: false, canRedo: false });
  const [mapHash, setMapHash] = useState('');
  const [localVersion, setLocalVersion] = useState(0);
  const feed = useRoomFeed(info.id);
  const take = useTake(feed, localVersion);
  const hires = useHires(feed, info.id);
  // While this member looks at a take, the instant preview paints with the take's style too.
  const preview = usePreview(info.model, sync?.strokes ?? null, sync?.doc ?? null, take.z ?? feed.styleZ);
  const { setPeerDrawings } = preview;
  // Others' strokes in progress (presence) join the live preview.
  useEffect(() => setPeerDrawings(peers.map((p) => p.drawing)), [peers, setPeerDrawings]);
  const [viewMode, setViewMode] = useState<ViewMode>('auto');
  // Follow mode: whose view my canvas shows; ends when they leave, on Esc, or when I move mine.
  const [following, setFollowing] = useState<number | null>(null);
  const followed = following === null ? null : (peers.find((p) => p.clientId === following) ?? null);
  useEffect(() => {
    if (following !== null && !followed) setFollowing(null);
  }, [following, followed]);
  useEffect(() => {
    if (following === null) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setFollowing(null);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [following]);
  const unfollow = useCallback(() => setFollowing(null), []);
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
      if (!editable) {
        if (key === 'v' && !mod && !e.altKey)
          setViewMode((m) => VIEW_MODES[(VIEW_MODES.findIndex((x) => x.id === m) + 1) % VIEW_MODES.length].id);
        return;
      }
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
      if (e.key === 'Delete' && e.shiftKey) return setAskClear(true);
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
  }, [sync, labels, editable]);

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
        <SaveStatus status={status} unsaved={unsaved} />
        <span className="muted small model-name">{info.model.name}</span>
        <div className="spacer" />
        <a className="secondary" href="/gallery">
          Gallery
        </a>
        {editable && <SaveScene roomId={info.id} />}
        {identity && <IdentityEditor me={identity} onChange={setIdentity} />}
        <CopyLink />
      </header>
      {refusal && !ACCESS_CODES.has(refusal.code) && (
        <div className="banner error" role="alert">
          Server refused this connection: {refusal.reason}
        </div>
      )}
      {shownNotice && (
        <div className="banner notice" role="status" data-testid="access-notice">
          {shownNotice}{' '}
          <button className="small-button" onClick={() => setShownNotice(null)}>
            OK
          </button>
        </div>
      )}
      {!editable && <ReadOnlyBanner />}
      <div className="room-body">
        <aside className="side left">
          {/* A viewer's tools are there to see, disabled: the server refuses their changes. */}
          <fieldset className="bare" disabled={!editable} data-testid="tools">
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
              askClear={askClear}
              onAskClear={setAskClear}
            />
            <Palette labels={labels} value={label} onChange={setLabel} />
          </fieldset>
          {sync && editable && <LabelMapFile sync={sync} labels={labels} roomId={info.id} userId={userId} />}
        </aside>
        <main className="stage">
          <div className="stage-pair">
            {sync && (
              <ReadOnlyCanvas readOnly={!editable}>
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
                  follow={followed && { name: followed.user.name, color: followed.user.color, view: followed.view ?? null }}
                  onUnfollow={unfollow}
                  onLabelMap={(map, version) => {
                    setMapHash(fnv1a(map));
                    setLocalVersion(version);
                  }}
                />
              </ReadOnlyCanvas>
            )}
            <RenderPane
              frame={feed.frame}
              status={feed.status}
              connected={feed.connected}
              localVersion={localVersion}
              preview={preview}
              mode={viewMode}
              onMode={setViewMode}
              hires={hires}
              take={take}
              proposeTake={
                editable
                  ? {
                      alone: (feed.votes?.present ?? 0) <= 1,
                      send: (styleId) =>
                        feed.sendVote({ event: EVENTS.propose, payload: { styleId } }).then((ack) => ('error' in ack ? ack.error : null)),
                    }
                  : null
              }
            />
          </div>
          <p className="muted small hint" data-testid="map-hash" data-hash={mapHash}>
            Strokes sync live to everyone with the link · B brush · E eraser · L line · F fill · [ ] size ·{' '}
            {labelKeysHint(labels.labels.length)} labels · Alt-click picks a label · wheel or + − zoom · space-drag pan · ⇧0 fit · Ctrl+Z
            undo · V picture view · P large picture
          </p>
        </main>
        <aside className="side right">
          <AccessPanel roomId={info.id} access={access} present={peers.length} onChange={onAccess} />
          {/* Viewers see the vote; the server refuses their proposals and votes. */}
          <fieldset className="bare" disabled={!editable}>
            <StylePanel roomId={info.id} me={me} feed={feed} />
          </fieldset>
          <PeopleList me={identity} peers={peers} labels={labels} following={following} onFollow={setFollowing} />
          <UnderstandingCheck roomId={info.id} frame={feed.frame} />
          <HistoryPanel roomId={info.id} canRestore={editable} />
        </aside>
      </div>
    </div>
  );
}
