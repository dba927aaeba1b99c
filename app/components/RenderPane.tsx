'use client';

import { useEffect, useRef, useState } from 'react';
import type { ShownFrame } from '../hooks/useRoomFeed';
import type { HiresState, useHires, useTake } from '../hooks/useOnDemand';
import { HIRES_SIZES } from '@/lib/protocol';
import type { PreviewFrame, PreviewState } from '../hooks/usePreview';
import type { RenderStatus } from '@/lib/protocol';
import { useLargeView } from '../hooks/useLargeView';

export type ViewMode = 'auto' | 'preview' | 'full' | 'both';
export const VIEW_MODES: Array<{ id: ViewMode; name: string }> = [
  { id: 'auto', name: 'Auto' },
  { id: 'preview', name: 'Preview' },
  { id: 'full', name: 'Full' },
  { id: 'both', name: 'Both' },
];

interface Props {
  frame: ShownFrame | null;
  status: RenderStatus | null;
  connected: boolean;
  localVersion: number;
  preview: { state: PreviewState; frame: PreviewFrame | null };
  mode: ViewMode;
  onMode(mode: ViewMode): void;
  hires: ReturnType<typeof useHires>;
  take: ReturnType<typeof useTake>;
  /** Proposes the shown take as the room's style; null for viewers, who cannot vote. */
  proposeTake: { alone: boolean; send(styleId: string): Promise<string | null> } | null;
}

function describe(frame: ShownFrame | null, status: RenderStatus | null, connected: boolean, localVersion: number): [string, string] {
  if (!connected) return ['offline', 'Reconnecting to the renderer…'];
  if (status?.state === 'unavailable') return ['error', `Renderer unavailable: ${status.reason}`];
  if (!frame) return ['busy', 'Rendering the first frame…'];
  const behind = localVersion - frame.meta.version;
  if (status?.state === 'rendering')
    return ['busy', behind > 0 ? `Rendering… (${behind} edit${behind === 1 ? '' : 's'} behind)` : 'Rendering…'];
  if (behind > 0) return ['busy', `Behind by ${behind} edit${behind === 1 ? '' : 's'}`];
  return ['ok', 'Up to date'];
}

/** Downloads the shown frame as PNG (frames travel as WebP; people expect a PNG file). */
async function downloadPng(frame: ShownFrame) {
  const image = new Image();
  image.src = frame.url;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  canvas.getContext('2d')!.drawImage(image, 0, 0);
  const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
  if (!blob) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `spade-canvas-${frame.meta.roomId}-v${frame.meta.version}.png`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function PreviewCanvas({ frame }: { frame: PreviewFrame | null }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (frame && ref.current) ref.current.getContext('2d')!.putImageData(frame.image, 0, 0);
  }, [frame]);
  if (!frame) return <div className="render-placeholder muted small">Preview loading…</div>;
  return (
    <canvas
      ref={ref}
      width={frame.image.width}
      height={frame.image.height}
      className="preview-canvas"
      data-testid="preview-canvas"
      data-version={frame.version}
      data-latency={frame.latencyMs.toFixed(1)}
      data-run-ms={frame.runMs.toFixed(1)}
      data-live={frame.live}
    />
  );
}

function FullImage({ frame, take }: { frame: ShownFrame | null; take: ReturnType<typeof useTake> }) {
  if (take.take)
    return (
      // eslint-disable-next-line @next/next/no-img-element
      <img
        src={take.take.url}
        alt="Your take: the room's picture with another noise sample of its style"
        data-testid="take-image"
        data-seed={take.take.seed}
        data-version={take.take.meta.version}
      />
    );
  if (!frame) return <div className="render-placeholder muted small">The full render appears here</div>;
  // eslint-disable-next-line @next/next/no-img-element
  return <img src={frame.url} alt="SPADE render of the room's label map" data-testid="render-image" data-version={frame.meta.version} />;
}

function previewLine(state: PreviewState): string {
  if (state.status === 'none') return `Instant preview off: ${state.reason}`;
  if (state.status === 'error') return `Instant preview unavailable (${state.reason}); full renders still arrive.`;
  if (state.status === 'loading')
    return state.progress < 1 ? `Loading preview model… ${Math.round(state.progress * 100)}%` : 'Preparing the preview model…';
  const others = Object.entries(state.timings)
    .map(([b, t]) => (typeof t === 'number' ? `${b} ${t} ms` : `${b}: ${t}`))
    .join(', ');
  return `Preview on ${state.backend}${state.lastMs !== null ? ` · ${state.lastMs} ms` : ''} · ${(state.bytes / 1e6).toFixed(1)} MB in ${state.loadMs} ms (measured: ${others}${state.settled ? '' : '; timing the GPU backends…'})`;
}

function useTicking(active: boolean): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(performance.now()), 100);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/** The progress line of a hi-res request: the server's phase, and time against the last render's. */
function HiresLine({ state }: { state: HiresState }) {
  const now = useTicking(state.phase === 'asking');
  if (state.phase === 'idle') return null;
  if (state.phase === 'error')
    return (
      <p className="small tone-error" data-testid="hires-error">
        {state.size} px: {state.error}
      </p>
    );
  if (state.phase === 'done')
    return (
      <p className="small muted" data-testid="hires-done" data-width={state.width} data-height={state.height}>
        {state.width}×{state.height} PNG rendered in {(state.renderMs / 1000).toFixed(1)} s ·{' '}
        <a href={state.url} download={state.fileName}>
          download again
        </a>
      </p>
    );
  const p = state.progress;
  const elapsed = now - state.startedAt;
  const value =
    p?.state === 'encoding' ? 0.97 : p?.state === 'rendering' && p.expectedMs ? Math.min(0.95, elapsed / p.expectedMs) : undefined;
  const text =
    !p || p.state === 'queued'
      ? `${state.size} px: ${p && p.ahead > 0 ? `waiting, ${p.ahead} ahead` : 'starting'}…`
      : p.state === 'encoding'
        ? `${state.size} px: encoding the PNG…`
        : `${state.size} px: rendering… ${(elapsed / 1000).toFixed(1)} s${p.expectedMs ? ` of about ${(p.expectedMs / 1000).toFixed(1)} s` : ''}`;
  return (
    <div className="hires-progress small" data-testid="hires-progress" data-state={p?.state ?? 'asked'}>
      <progress max={1} value={value} aria-label={`Hi-res ${state.size} px`} />
      <span className="muted">{text}</span>
    </div>
  );
}

/** Another take for me alone, and proposing it to the room (applied at once when I am alone). */
function TakeControls({ take, propose }: { take: ReturnType<typeof useTake>; propose: Props['proposeTake'] }) {
  const [answer, setAnswer] = useState<string | null>(null);
  const active = take.seed !== null;
  return (
    <div className="take-controls">
      <button
        className="secondary small-button"
        onClick={take.another}
        data-testid="another-take"
        title="The same painting and style with a new noise sample, for you only"
      >
        {active ? 'Another take' : '↻ Another take'}
      </button>
      {active && (
        <>
          <button className="secondary small-button" onClick={take.end} data-testid="end-take">
            Room&apos;s picture
          </button>
          {propose && take.styleId && (
            <button
              className="secondary small-button"
              data-testid="propose-take"
              onClick={() => {
                const id = take.styleId!;
                void propose
                  .send(id)
                  .then((error) => setAnswer(error ?? (propose.alone ? 'Now the room’s style' : 'Proposed to the room')));
              }}
            >
              {propose.alone ? 'Use this take' : 'Propose this take'}
            </button>
          )}
          <span className="muted small" data-testid="take-status">
            {take.error ? `Take: ${take.error}` : take.pending ? 'Rendering your take…' : `Your take ${take.seed} · only you see it`}
            {answer ? ` · ${answer}` : ''}
          </span>
        </>
      )}
    </div>
  );
}

export function RenderPane({ frame, status, connected, localVersion, preview, mode, onMode, hires, take, proposeTake }: Props) {
  const [tone, text] = describe(frame, status, connected, localVersion);
  // Auto: the instant preview until a full frame of the same or a newer version arrives.
  // With a take shown, the take is the full picture (it is rendered again for each new version).
  const fullVersion = take.take ? take.take.meta.version : frame?.meta.version;
  const fullIsCurrent = fullVersion !== undefined && fullVersion >= localVersion;
  // A live preview (a stroke being drawn) is newer than any full frame.
  const auto = preview.frame && (!fullIsCurrent || preview.frame.live) ? 'preview' : 'full';
  const shown = mode === 'auto' ? auto : mode;
  const view = useLargeView<HTMLElement>();
  return (
    <section
      ref={view.ref}
      className={`panel render${view.large ? ' large' : ''}`}
      aria-label="Picture"
      data-testid="picture"
      data-large={view.large}
    >
      <div className="panel-head">
        <h2>Picture</h2>
        <div className="spacer" />
        <div className="segmented" role="tablist" aria-label="What to show (V cycles)">
          {VIEW_MODES.map((m) => (
            <button
              key={m.id}
              role="tab"
              aria-selected={mode === m.id}
              className={mode === m.id ? 'active' : ''}
              onClick={() => onMode(m.id)}
            >
              {m.name}
            </button>
          ))}
        </div>
        {view.large && view.canFullscreen && (
          <button className="secondary small-button" onClick={view.toggleFullscreen}>
            {view.fullscreen ? 'Exit fullscreen' : 'Fullscreen'}
          </button>
        )}
        <button
          className="secondary small-button"
          onClick={() => view.setLarge((l) => !l)}
          title={view.large ? 'Back to the room (Esc)' : 'Large view (P)'}
          data-testid="large-view"
        >
          {view.large ? 'Close' : '⤢ Large'}
        </button>
      </div>
      <div className={`render-frame ${shown === 'both' ? 'both' : ''}`} data-shown={shown}>
        {shown === 'both' ? (
          <>
            <div className="view-cell">
              <PreviewCanvas frame={preview.frame} />
              <span className="view-tag">Preview · in your browser</span>
            </div>
            <div className="view-cell">
              <FullImage frame={frame} take={take} />
              <span className="view-tag">
                {take.take ? 'Your take' : frame?.meta.quality === 'draft' ? 'Draft' : 'Full'} · from the server
              </span>
            </div>
          </>
        ) : shown === 'preview' ? (
          <PreviewCanvas frame={preview.frame} />
        ) : (
          <FullImage frame={frame} take={take} />
        )}
      </div>
      {preview.state.status === 'loading' && (
        <progress className="load-bar" max={1} value={preview.state.progress} aria-label="Preview model download" />
      )}
      <p className={`render-status tone-${tone}`} data-testid="render-status">
        {text}
      </p>
      {frame && (
        <div className="render-meta muted small">
          <span>
            <span data-testid="render-ms" data-quality={frame.meta.quality}>
              {frame.meta.quality === 'draft' ? 'Draft' : 'Full render'} · {frame.meta.renderMs} ms
            </span>{' '}
            · {frame.meta.width}×{frame.meta.height} · {frame.meta.model} · style {frame.meta.style}
          </span>
          <button className="secondary small-button" onClick={() => void downloadPng(frame)}>
            Download PNG
          </button>
        </div>
      )}
      <div className="render-actions">
        <TakeControls take={take} propose={proposeTake} />
        <div className="hires-buttons">
          <span className="muted small">Hi-res PNG</span>
          {HIRES_SIZES.map((size) => (
            <button
              key={size}
              className="secondary small-button"
              disabled={hires.state.phase === 'asking'}
              onClick={() => hires.request(size)}
              data-testid={`hires-${size}`}
            >
              {size} px
            </button>
          ))}
        </div>
      </div>
      <HiresLine state={hires.state} />
      <p
        className="muted small diagnostics"
        data-testid="preview-diagnostics"
        data-backend={preview.state.status === 'ready' ? preview.state.backend : ''}
        data-settled={preview.state.status === 'ready' && preview.state.settled ? 'true' : 'false'}
        data-load-ms={preview.state.status === 'ready' ? preview.state.loadMs : ''}
        data-bytes={preview.state.status === 'ready' ? preview.state.bytes : ''}
      >
        {previewLine(preview.state)}
      </p>
    </section>
  );
}
