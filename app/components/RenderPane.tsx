'use client';

import type { ShownFrame } from '../hooks/useRenderFeed';
import type { RenderStatus } from '@/lib/protocol';

interface Props {
  frame: ShownFrame | null;
  status: RenderStatus | null;
  connected: boolean;
  localVersion: number;
}

function describe(frame: ShownFrame | null, status: RenderStatus | null, connected: boolean, localVersion: number): [string, string] {
  if (!connected) return ['offline', 'Reconnecting to the renderer…'];
  if (status?.state === 'unavailable') return ['error', `Renderer unavailable: ${status.reason}`];
  if (!frame) return ['busy', 'Rendering the first frame…'];
  const behind = localVersion - frame.meta.version;
  if (status?.state === 'rendering') return ['busy', behind > 0 ? `Rendering… (${behind} edit${behind === 1 ? '' : 's'} behind)` : 'Rendering…'];
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

export function RenderPane({ frame, status, connected, localVersion }: Props) {
  const [tone, text] = describe(frame, status, connected, localVersion);
  return (
    <section className="panel render" aria-label="Full-quality render">
      <h2>Full render</h2>
      <div className="render-frame">
        {frame ? (
          // eslint-disable-next-line @next/next/no-img-element
          <img src={frame.url} alt="SPADE render of the room's label map" data-testid="render-image" data-version={frame.meta.version} />
        ) : (
          <div className="render-placeholder muted small">The picture appears here</div>
        )}
      </div>
      <p className={`render-status tone-${tone}`} data-testid="render-status">{text}</p>
      {frame && (
        <div className="render-meta muted small">
          <span data-testid="render-ms">{frame.meta.renderMs} ms</span> · {frame.meta.width}×{frame.meta.height} · {frame.meta.model} · style {frame.meta.style}
          <button className="secondary small-button" onClick={() => void downloadPng(frame)}>Download PNG</button>
        </div>
      )}
    </section>
  );
}
