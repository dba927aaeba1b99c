'use client';

import { useEffect, useState } from 'react';
import { HIRES_SIZES, type HiresSize } from '@/lib/protocol';

type State =
  | { phase: 'idle' }
  | { phase: 'rendering'; size: HiresSize; since: number }
  | { phase: 'done'; size: HiresSize; ms: number }
  | { phase: 'error'; size: HiresSize; error: string };

/**
 * A saved scene's hi-res PNG (512 or 1024 px, rendered by the server with the saved style), with
 * the time it has been rendering; downloaded when it arrives.
 */
export function SceneHires({ sceneId }: { sceneId: string }) {
  const [state, setState] = useState<State>({ phase: 'idle' });
  const [now, setNow] = useState(0);
  const rendering = state.phase === 'rendering';
  useEffect(() => {
    if (!rendering) return;
    const t = setInterval(() => setNow(performance.now()), 100);
    return () => clearInterval(t);
  }, [rendering]);

  const render = async (size: HiresSize) => {
    const since = performance.now();
    setNow(since);
    setState({ phase: 'rendering', size, since });
    try {
      const res = await fetch(`/api/scenes/${sceneId}/hires/${size}`);
      if (!res.ok) throw new Error(((await res.json().catch(() => null)) as { error?: string } | null)?.error ?? `HTTP ${res.status}`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `spade-canvas-scene-${sceneId}-${size}px.png`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setState({ phase: 'done', size, ms: performance.now() - since });
    } catch (e) {
      setState({ phase: 'error', size, error: (e as Error).message });
    }
  };

  return (
    <div className="hires-buttons scene-hires" data-testid="scene-hires" data-phase={state.phase}>
      <span className="muted small">Hi-res PNG</span>
      {HIRES_SIZES.map((size) => (
        <button key={size} className="secondary small-button" disabled={rendering} onClick={() => void render(size)}>
          {size} px
        </button>
      ))}
      <span className="muted small" aria-live="polite">
        {state.phase === 'rendering' && `Rendering ${state.size} px… ${((now - state.since) / 1000).toFixed(1)} s`}
        {state.phase === 'done' && `${state.size} px downloaded (${(state.ms / 1000).toFixed(1)} s)`}
        {state.phase === 'error' && `${state.size} px: ${state.error}`}
      </span>
    </div>
  );
}
