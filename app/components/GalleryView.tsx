'use client';

import { useEffect, useState } from 'react';
import type { SceneList } from '@/lib/social';
import { api } from '../lib/api';
import { SceneCard } from './SceneCard';
import { SiteHeader } from './SiteHeader';

/** The gallery: saved scenes, newest first, a page at a time. */
export function GalleryView({ page }: { page: number }) {
  const [list, setList] = useState<SceneList | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api
      .scenes(page)
      .then(setList)
      .catch((e: Error) => setError(e.message));
  }, [page]);

  return (
    <div className="page">
      <SiteHeader />
      <main className="gallery">
        <div className="gallery-head">
          <div>
            <h1>Gallery</h1>
            <p className="muted">Scenes people painted together, newest first. Open one to replay it or fork it into a new room.</p>
          </div>
          {list && (
            <span className="muted small">
              {list.total} scene{list.total === 1 ? '' : 's'}
            </span>
          )}
        </div>
        {error && (
          <p className="error" role="alert">
            Could not load the gallery: {error}
          </p>
        )}
        {!list && !error && <p className="muted">Loading…</p>}
        {list && list.scenes.length === 0 && (
          <div className="empty panel">
            <p>{page > 1 ? 'No scenes on this page.' : 'Nothing saved yet.'}</p>
            <p className="muted small">In a room, press “Save to gallery” to keep a scene here.</p>
            <a className="primary" href="/">
              Start painting
            </a>
          </div>
        )}
        {list && list.scenes.length > 0 && (
          <div className="scene-grid" data-testid="scene-grid">
            {list.scenes.map((s) => (
              <SceneCard key={s.id} scene={s} />
            ))}
          </div>
        )}
        {list && list.pages > 1 && (
          <nav className="pager" aria-label="Pages">
            {page > 1 ? (
              <a className="secondary" href={`/gallery?page=${page - 1}`}>
                ← Newer
              </a>
            ) : (
              <span />
            )}
            <span className="muted small">
              Page {list.page} of {list.pages}
            </span>
            {page < list.pages ? (
              <a className="secondary" href={`/gallery?page=${page + 1}`} data-testid="older">
                Older →
              </a>
            ) : (
              <span />
            )}
          </nav>
        )}
      </main>
    </div>
  );
}
