'use client';

import { useEffect, useRef, useState } from 'react';
import type { SceneSummary } from '@/lib/social';
import { api } from '../lib/api';

/** "Save to gallery": snapshots the room (strokes, label map, latest render, style, credits). */
export function SaveScene({ roomId }: { roomId: string }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<SceneSummary | null>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!open) return;
    input.current?.focus();
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('keydown', key);
    return () => document.removeEventListener('keydown', key);
  }, [open]);

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSaved(await api.saveScene(roomId, title.trim()));
      setTitle('');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="save-scene">
      <button
        className="primary"
        onClick={() => {
          setOpen((o) => !o);
          setSaved(null);
          setError(null);
        }}
        data-testid="save-scene"
        aria-expanded={open}
      >
        Save to gallery
      </button>
      {open && (
        <div className="popover" role="dialog" aria-label="Save this scene to the gallery">
          {saved ? (
            <div className="saved" data-testid="scene-saved">
              <p>
                Saved <strong>{saved.title}</strong> with {saved.strokeCount} strokes.
              </p>
              <div className="row">
                <a className="primary" href={`/scenes/${saved.id}`} data-testid="scene-link">
                  View scene
                </a>
                <a className="secondary" href="/gallery">
                  Open gallery
                </a>
                <button className="secondary" onClick={() => setOpen(false)}>
                  Close
                </button>
              </div>
            </div>
          ) : (
            <form onSubmit={save}>
              <label className="field">
                <span className="small muted">Title</span>
                <input
                  ref={input}
                  value={title}
                  maxLength={80}
                  placeholder="Harbour at dawn"
                  onChange={(e) => setTitle(e.target.value)}
                  data-testid="scene-title"
                />
              </label>
              <p className="muted small">Saves the strokes, the label map, the latest render, the style and who painted it.</p>
              {error && (
                <p className="error small" role="alert">
                  {error}
                </p>
              )}
              <div className="row">
                <button className="primary" type="submit" disabled={busy || title.trim().length === 0} data-testid="scene-save-confirm">
                  {busy ? 'Saving…' : 'Save'}
                </button>
                <button className="secondary" type="button" onClick={() => setOpen(false)}>
                  Cancel
                </button>
              </div>
            </form>
          )}
        </div>
      )}
    </div>
  );
}
