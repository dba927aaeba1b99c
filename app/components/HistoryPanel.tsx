'use client';

import { useCallback, useEffect, useState } from 'react';
import type { HistoryList, HistoryVersion, VersionChange } from '@/lib/history';
import { api } from '../lib/api';
import { ConfirmButton } from './ConfirmButton';

/** While the panel is open it re-reads the list this often: versions are stored as people paint. */
const REFRESH_MS = 10_000;

const REASON_TEXT: Record<HistoryVersion['reason'], string> = {
  periodic: 'Saved while painting',
  clear: 'Before a clear',
  deletion: 'Before strokes were deleted',
  restore: 'Before a restore',
  unload: 'When everyone had left',
};

function describe(v: HistoryVersion): string {
  if (!v.by) return REASON_TEXT[v.reason];
  if (v.reason === 'clear') return `Before ${v.by.name} cleared`;
  if (v.reason === 'deletion') return `Before ${v.by.name} deleted strokes`;
  if (v.reason === 'restore') return `Before ${v.by.name} restored #${v.restoredFrom}`;
  return REASON_TEXT[v.reason];
}

function changeText(c: VersionChange): string {
  const parts: string[] = [];
  if (c.added) parts.push(`+${c.added}`);
  if (c.removed) parts.push(`−${c.removed}`);
  if (c.clears) parts.push(c.clears === 1 ? 'cleared' : `cleared ×${c.clears}`);
  if (c.restored.length) parts.push(`restored ${c.restored.map((id) => `#${id}`).join(', ')}`);
  return `${c.name} ${parts.join(' ')}`;
}

/**
 * The versions the server keeps of this room, newest first, with what each person changed since
 * the version before. An editor restores one: the server replaces the strokes for everyone in one
 * change, after storing the state it replaces (so a restore can itself be restored).
 */
export function HistoryPanel({ roomId, canRestore }: { roomId: string; canRestore: boolean }) {
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<HistoryList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () =>
      api.history(roomId).then(
        (l) => {
          setList(l);
          setError(null);
        },
        (e: Error) => setError(e.message),
      ),
    [roomId],
  );

  useEffect(() => {
    if (!open) return;
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [open, load]);

  const restore = async (id: number) => {
    setBusy(true);
    try {
      setList(await api.restoreVersion(roomId, id));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="panel history" onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="history-panel">
      <summary>
        <h2>History</h2>
      </summary>
      {list === null && !error && <p className="muted small">Loading…</p>}
      {list && list.versions.length === 0 && (
        <p className="muted small">No versions yet: the server stores one as people paint, and before every clear.</p>
      )}
      {list && list.versions.length > 0 && (
        <ol className="versions" data-testid="versions">
          {list.versions.map((v) => (
            <li key={v.id} data-testid="version" data-version={v.id} data-reason={v.reason} data-strokes={v.strokes}>
              <div className="version-head">
                <strong>#{v.id}</strong> <time dateTime={v.at}>{new Date(v.at).toLocaleString()}</time>
              </div>
              <div className="small">
                {describe(v)} · {v.strokes} {v.strokes === 1 ? 'stroke' : 'strokes'}
              </div>
              {v.changes.length > 0 && <div className="muted small">{v.changes.map(changeText).join(' · ')}</div>}
              {canRestore && (
                <ConfirmButton
                  className="small-button"
                  label="Restore"
                  question={`Bring back version #${v.id} for everyone? The painting as it is now is kept as a version first.`}
                  confirmLabel="Restore"
                  disabled={busy}
                  onConfirm={() => void restore(v.id)}
                  testId={`restore-${v.id}`}
                />
              )}
            </li>
          ))}
        </ol>
      )}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </details>
  );
}
