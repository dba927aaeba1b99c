'use client';

import { useRef, useState } from 'react';
import { labelMapToRGBA, type LabelSet } from '@/lib/labels';
import { planImport } from '@/lib/labelMapImport';
import { rasterize } from '@/lib/raster';
import { newStrokeId, STROKE_LIMITS } from '@/lib/strokes';
import { LOCAL_ORIGIN, type RoomSync } from '../hooks/useRoomSync';
import { decodeImage, download, encodePng } from '../lib/labelMapFile';

/** Export resolution: the import's finest grid, so export -> import -> export gives the same file. */
const EXPORT_SIZE = 512;
/** Strokes per Yjs transaction (one update each): well under the server's per-update byte limit. */
const STROKES_PER_UPDATE = 1000;

interface Props {
  sync: RoomSync;
  labels: LabelSet;
  roomId: string;
  userId: string;
}

/** Export the label map as a PNG in the palette's colours, and import one (GauGAN users keep their maps). */
export function LabelMapFile({ sync, labels, roomId, userId }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);

  const exportMap = async () => {
    const map = rasterize(sync.strokes.toArray(), EXPORT_SIZE, EXPORT_SIZE, labels);
    download(await encodePng(labelMapToRGBA(map, labels), EXPORT_SIZE, EXPORT_SIZE), `spade-canvas-${roomId}-labels.png`);
  };

  const importMap = async (file: File) => {
    setBusy(true);
    setMessage(null);
    try {
      const { rgba, width, height } = await decodeImage(file);
      const plan = planImport(rgba, width, height, labels, STROKE_LIMITS.maxStrokes - sync.strokes.length);
      if (!plan.ok) return setMessage({ text: `Not imported: ${plan.error}.`, error: true });
      const strokes = plan.strokes.map((s) => ({ ...s, id: newStrokeId(), by: userId }));
      // One undo step for the whole import: the updates are sent one by one, but all are
      // captured into one undo item while capturing stays open.
      const { undo } = sync;
      const timeout = undo.captureTimeout;
      undo.stopCapturing();
      undo.captureTimeout = Number.MAX_SAFE_INTEGER;
      try {
        for (let i = 0; i < strokes.length; i += STROKES_PER_UPDATE) {
          sync.doc.transact(() => sync.strokes.push(strokes.slice(i, i + STROKES_PER_UPDATE)), LOCAL_ORIGIN);
        }
      } finally {
        undo.captureTimeout = timeout;
        undo.stopCapturing();
      }
      const approx = width === plan.grid && height === plan.grid ? '' : ` (${width}×${height} sampled onto it)`;
      setMessage({ text: `Imported as ${strokes.length} strokes on a ${plan.grid} px grid${approx}. Ctrl+Z undoes it.`, error: false });
    } catch (e) {
      setMessage({ text: `Not imported: ${(e as Error).message}`, error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="map-file">
      <div className="row">
        <button
          className="secondary small-button"
          onClick={() => void exportMap()}
          data-testid="export-map"
          title="Download the label map as a PNG in the palette's colours"
        >
          Export map
        </button>
        <button
          className="secondary small-button"
          onClick={() => input.current?.click()}
          disabled={busy}
          title="Replace the canvas, for everyone, with a label map PNG (undoable); colours snap to the nearest label"
        >
          {busy ? 'Importing…' : 'Import map'}
        </button>
        <input
          ref={input}
          type="file"
          accept="image/png,image/*"
          hidden
          data-testid="import-map"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) void importMap(file);
          }}
        />
      </div>
      {message && (
        <p className={`small ${message.error ? 'error' : 'muted'}`} role="status" data-testid="import-message">
          {message.text}
        </p>
      )}
    </div>
  );
}
