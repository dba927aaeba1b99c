'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { LabelSet } from '@/lib/labels';
import { labelMapToRGBA } from '@/lib/labels';
import { IncrementalRasterizer } from '@/lib/raster';
import type { Stroke } from '@/lib/strokes';
import type { SceneDetail } from '@/lib/social';
import { api } from '../lib/api';
import { SiteHeader } from './SiteHeader';
import { timeAgo } from './SceneCard';
import { SceneHires } from './SceneHires';

const REPLAY_SIZE = 512;

/**
 * Replays a scene stroke by stroke through the shared rasteriser (the Yjs array keeps painting
 * order). Appending strokes paints on top, so playing forward costs one stroke per step.
 */
function Timelapse({ sceneId, labels, painters }: { sceneId: string; labels: LabelSet; painters: SceneDetail['contributors'] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const raster = useRef<IncrementalRasterizer | null>(null);
  const [strokes, setStrokes] = useState<Stroke[] | null>(null);
  const [step, setStep] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api
      .sceneStrokes(sceneId)
      .then((body) => {
        setStrokes(body.strokes);
        setStep(body.strokes.length);
      })
      .catch((e: Error) => setError(e.message));
  }, [sceneId]);

  // Draw the map after `step` strokes.
  useEffect(() => {
    if (!strokes || !canvas.current) return;
    raster.current ??= new IncrementalRasterizer(REPLAY_SIZE, REPLAY_SIZE, labels);
    const { map } = raster.current.update(strokes.slice(0, step));
    const ctx = canvas.current.getContext('2d')!;
    const image = new ImageData(REPLAY_SIZE, REPLAY_SIZE);
    labelMapToRGBA(map, labels, image.data);
    ctx.putImageData(image, 0, 0);
  }, [strokes, step, labels]);

  // About 8 s for the whole replay, but never slower than 4 strokes/s.
  useEffect(() => {
    if (!playing || !strokes) return;
    const interval = Math.min(250, Math.max(16, 8000 / Math.max(1, strokes.length)));
    const t = setInterval(() => {
      setStep((s) => {
        if (s >= strokes.length) {
          setPlaying(false);
          return s;
        }
        return s + 1;
      });
    }, interval);
    return () => clearInterval(t);
  }, [playing, strokes]);

  const play = () => {
    if (!strokes) return;
    if (step >= strokes.length) setStep(0);
    setPlaying((p) => !p);
  };

  return (
    <section className="panel timelapse" aria-label="Timelapse">
      <h2>Timelapse</h2>
      <canvas
        ref={canvas}
        width={REPLAY_SIZE}
        height={REPLAY_SIZE}
        className="timelapse-canvas"
        data-testid="timelapse-canvas"
        data-step={step}
      />
      {error && <p className="error small">Could not load the strokes: {error}</p>}
      <div className="timelapse-controls">
        <button className="secondary" onClick={play} disabled={!strokes} data-testid="timelapse-play">
          {playing ? 'Pause' : strokes && step >= strokes.length ? '↺ Replay' : '▶ Play'}
        </button>
        <input
          type="range"
          min={0}
          max={strokes?.length ?? 0}
          value={step}
          aria-label="Stroke"
          onChange={(e) => {
            setPlaying(false);
            setStep(Number(e.target.value));
          }}
        />
        <span className="muted small tabular">
          {step}/{strokes?.length ?? 0}
        </span>
      </div>
      <p className="muted small timelapse-caption">
        {(() => {
          const last = strokes && step > 0 ? strokes[step - 1] : null;
          if (!last) return 'Blank canvas';
          const who = painters.find((p) => p.id === last.by);
          return (
            <>
              {last.tool === 'clear' ? 'Clear' : `${last.tool} · ${last.label}`}
              {who && (
                <>
                  {' '}
                  · <span className="dot" style={{ background: who.color }} /> {who.name}
                </>
              )}
            </>
          );
        })()}
      </p>
    </section>
  );
}

export function SceneView({ id }: { id: string }) {
  const router = useRouter();
  const [scene, setScene] = useState<SceneDetail | null>(null);
  const [labels, setLabels] = useState<LabelSet | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'fork' | 'delete' | 'publish' | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  useEffect(() => {
    (async () => {
      const body = await api.scene(id);
      setScene(body);
      const models = await api.models();
      const model = models.models.find((m) => m.id === body.modelId) ?? models.models.find((m) => m.id === models.default);
      if (model) setLabels(model.labels);
    })().catch((e: Error) => setError(e.message));
  }, [id]);

  const fork = useCallback(async () => {
    setBusy('fork');
    setActionError(null);
    try {
      const { roomId } = await api.forkScene(id);
      router.push(`/r/${roomId}`);
    } catch (e) {
      setActionError(`Could not fork: ${(e as Error).message}`);
      setBusy(null);
    }
  }, [id, router]);

  const publish = useCallback(async () => {
    setBusy('publish');
    setActionError(null);
    try {
      setScene(await api.publishScene(id));
    } catch (e) {
      setActionError(`Could not publish: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  }, [id]);

  const remove = useCallback(async () => {
    if (!confirm('Delete this scene from the gallery? This cannot be undone.')) return;
    setBusy('delete');
    setActionError(null);
    try {
      await api.deleteScene(id);
      router.push('/gallery');
    } catch (e) {
      setActionError(`Could not delete: ${(e as Error).message}`);
      setBusy(null);
    }
  }, [id, router]);

  if (error) {
    return (
      <div className="page">
        <SiteHeader />
        <main className="center-message">
          <h1>Scene unavailable</h1>
          <p>{error === 'no such scene' ? 'This scene does not exist (it may have been deleted).' : error}</p>
          <a className="primary" href="/gallery">
            Back to the gallery
          </a>
        </main>
      </div>
    );
  }

  return (
    <div className="page">
      <SiteHeader />
      {!scene ? (
        <main className="center-message">
          <p className="muted">Loading scene…</p>
        </main>
      ) : (
        <main className="scene" data-testid="scene" data-scene-id={scene.id}>
          <div className="scene-head">
            <div>
              <a className="small" href="/gallery">
                ← Gallery
              </a>
              <h1 data-testid="scene-title-heading">{scene.title}</h1>
              <p className="muted small">
                Saved by <span className="dot" style={{ background: scene.savedBy.color }} /> {scene.savedBy.name} ·{' '}
                {timeAgo(scene.createdAt)} · {scene.strokeCount} strokes{scene.style.name ? ` · style ${scene.style.name}` : ''}
              </p>
            </div>
            <div className="scene-actions">
              <button className="primary" onClick={() => void fork()} disabled={busy !== null} data-testid="fork-scene">
                {busy === 'fork' ? 'Forking…' : 'Fork into a new room'}
              </button>
              {scene.mine && !scene.listed && (
                <button className="secondary" onClick={() => void publish()} disabled={busy !== null} data-testid="publish-scene">
                  {busy === 'publish' ? 'Publishing…' : 'Publish to the gallery'}
                </button>
              )}
              {scene.mine && (
                <button
                  className="secondary danger-button"
                  onClick={() => void remove()}
                  disabled={busy !== null}
                  data-testid="delete-scene"
                >
                  {busy === 'delete' ? 'Deleting…' : 'Delete'}
                </button>
              )}
            </div>
          </div>
          {!scene.listed && (
            <p className="muted small" data-testid="unlisted">
              Unlisted: saved from a private room, so only people with this page&apos;s address see it
              {scene.mine ? ' until you publish it.' : '.'}
            </p>
          )}
          {actionError && (
            <p className="error" role="alert">
              {actionError}
            </p>
          )}
          <div className="scene-body">
            <figure className="panel scene-figure">
              <h2>Picture</h2>
              {scene.hasImage ? (
                // eslint-disable-next-line @next/next/no-img-element
                <img src={`/api/scenes/${scene.id}/image`} alt={`Rendered picture of ${scene.title}`} data-testid="scene-image" />
              ) : (
                <div className="render-placeholder muted small">Nothing had been rendered when this was saved</div>
              )}
              <SceneHires sceneId={scene.id} />
            </figure>
            <figure className="panel scene-figure">
              <h2>Label map</h2>
              {/* eslint-disable-next-line @next/next/no-img-element */}
              <img
                src={`/api/scenes/${scene.id}/labels.png`}
                alt={`Label map of ${scene.title}`}
                className="pixelated"
                data-testid="scene-labels"
              />
            </figure>
            {labels ? (
              <Timelapse sceneId={scene.id} labels={labels} painters={scene.contributors} />
            ) : (
              <section className="panel timelapse">
                <h2>Timelapse</h2>
                <p className="muted small">Loading…</p>
              </section>
            )}
            <section className="panel credits" aria-label="Credits">
              <h2>Painted by</h2>
              {scene.contributors.length === 0 ? (
                <p className="muted small">No recorded painters (a starter scene).</p>
              ) : (
                <ul data-testid="credits">
                  {scene.contributors.map((c) => (
                    <li key={c.id}>
                      <span className="dot" style={{ background: c.color }} /> {c.name}
                      <span className="muted small">
                        {' '}
                        · {c.strokes} stroke{c.strokes === 1 ? '' : 's'}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
              {scene.sourceRoomId && (
                <p className="muted small">
                  From room <a href={`/r/${scene.sourceRoomId}`}>{scene.sourceRoomId}</a>
                </p>
              )}
            </section>
          </div>
        </main>
      )}
    </div>
  );
}
