'use client';

import { useEffect, useRef } from 'react';
import type { ShownFrame } from '../hooks/useRoomFeed';
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

function FullImage({ frame }: { frame: ShownFrame | null }) {
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

export function RenderPane({ frame, status, connected, localVersion, preview, mode, onMode }: Props) {
  const [tone, text] = describe(frame, status, connected, localVersion);
  // Auto: the instant preview until a full frame of the same or a newer version arrives.
  const fullIsCurrent = frame !== null && frame.meta.version >= localVersion;
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
              <FullImage frame={frame} />
              <span className="view-tag">{frame?.meta.quality === 'draft' ? 'Draft' : 'Full'} · from the server</span>
            </div>
          </>
        ) : shown === 'preview' ? (
          <PreviewCanvas frame={preview.frame} />
        ) : (
          <FullImage frame={frame} />
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
