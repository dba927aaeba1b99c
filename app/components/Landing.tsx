'use client';

import { useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import { isRoomId, type ModelInfo } from '@/lib/protocol';
import type { SceneSummary, StyleInfo } from '@/lib/social';
import { recentRooms, type RecentRoom } from '../lib/identity';
import { api } from '../lib/api';
import { SceneCard } from './SceneCard';

/** Accepts a full room link or a bare id. */
function roomIdFrom(input: string): string | null {
  const text = input.trim();
  const match = /\/r\/([A-Za-z0-9_-]+)/.exec(text);
  const id = match ? match[1] : text;
  return isRoomId(id) ? id : null;
}

export function Landing() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState('');
  const [recent, setRecent] = useState<RecentRoom[]>([]);
  // models the server can render with (e.g. converted official SPADE checkpoints); a choice
  // appears only when there is more than one
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [modelId, setModelId] = useState('');

  // what the product makes: the newest saved scenes and the default model's styles (optional
  // extras: the page works without them)
  const [scenes, setScenes] = useState<SceneSummary[]>([]);
  const [presets, setPresets] = useState<StyleInfo[]>([]);

  useEffect(() => setRecent(recentRooms()), []);
  useEffect(() => {
    api
      .scenes(1)
      .then((list) => setScenes(list.scenes.slice(0, 3)))
      .catch(() => {});
  }, []);
  useEffect(() => {
    if (!modelId) return;
    api
      .presets(modelId)
      .then((body) => setPresets(body.presets))
      .catch(() => setPresets([]));
  }, [modelId]);
  useEffect(() => {
    let live = true;
    api
      .models()
      .then((body) => {
        if (!live) return;
        setModels(body.models);
        setModelId(body.default);
      })
      .catch(() => {}); // the default model is used when the list cannot be fetched
    return () => {
      live = false;
    };
  }, []);

  async function create(starter: boolean) {
    setBusy(true);
    setError(null);
    try {
      const { id } = await api.createRoom(modelId ? { starter, modelId } : { starter });
      router.push(`/r/${id}`);
    } catch (e) {
      setError(`Could not create a room: ${(e as Error).message}`);
      setBusy(false);
    }
  }

  function join(event: React.FormEvent) {
    event.preventDefault();
    const id = roomIdFrom(link);
    if (!id) return setError('That is not a room link. Paste the whole link someone shared, or its id.');
    router.push(`/r/${id}`);
  }

  return (
    <main className="landing">
      <section className="hero">
        <h1>
          <span className="logo-mark" aria-hidden>
            ◆
          </span>{' '}
          SPADE Canvas
        </h1>
        <p className="tagline">Paint sky, sea and mountains together. Watch the labels become a landscape as you paint.</p>
        <div className="hero-actions">
          <button className="primary big" disabled={busy} onClick={() => create(true)} data-testid="create-room">
            New room with a starter scene
          </button>
          <button className="secondary big" disabled={busy} onClick={() => create(false)} data-testid="create-blank-room">
            Blank sky
          </button>
          <a className="secondary big" href="/gallery" data-testid="open-gallery">
            Browse the gallery
          </a>
        </div>
        {models.length > 1 && (
          <label className="model-choice">
            Model{' '}
            <select value={modelId} onChange={(e) => setModelId(e.target.value)} data-testid="model-select" disabled={busy}>
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} ({m.labels.labels.length} labels, {m.size[0]}×{m.size[1]})
                </option>
              ))}
            </select>
          </label>
        )}
        <form className="join" onSubmit={join}>
          <input aria-label="Room link" placeholder="Paste a room link to join…" value={link} onChange={(e) => setLink(e.target.value)} />
          <button className="secondary" type="submit">
            Join
          </button>
        </form>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </section>
      <section className="recent">
        <h2>Your recent rooms</h2>
        {recent.length === 0 ? (
          <p className="muted">Rooms you open appear here.</p>
        ) : (
          <ul>
            {recent.map((r) => (
              <li key={r.id}>
                <a href={`/r/${r.id}`}>{r.id}</a>
                <span className="muted"> · {new Date(r.visitedAt).toLocaleString()}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      {scenes.length > 0 && (
        <section className="showcase" data-testid="landing-scenes">
          <h2>Recently saved</h2>
          <div className="scene-grid">
            {scenes.map((s) => (
              <SceneCard key={s.id} scene={s} />
            ))}
          </div>
        </section>
      )}
      {presets.length > 0 && (
        <section className="showcase" data-testid="landing-styles">
          <h2>Styles a room can vote on</h2>
          <ul className="preset-strip">
            {presets.map((p) => (
              <li key={p.id}>
                {/* eslint-disable-next-line @next/next/no-img-element */}
                {p.thumbnail && <img src={p.thumbnail} alt="" loading="lazy" />}
                <span className="small">{p.name}</span>
              </li>
            ))}
          </ul>
          <p className="muted small">
            The same scene under each style, rendered by the shipped model. In a room, anyone can propose one, or upload a photo to make a
            new style.
          </p>
        </section>
      )}
    </main>
  );
}
