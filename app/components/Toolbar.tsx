'use client';

import type { PaintTool } from './PaintCanvas';
import { ConfirmButton } from './ConfirmButton';

export const TOOLS: Array<{ id: PaintTool; name: string; key: string; icon: string }> = [
  { id: 'brush', name: 'Brush', key: 'B', icon: '✎' },
  { id: 'erase', name: 'Eraser', key: 'E', icon: '⌫' },
  { id: 'line', name: 'Line', key: 'L', icon: '╱' },
  { id: 'fill', name: 'Fill', key: 'F', icon: '◧' },
];

interface Props {
  tool: PaintTool;
  size: number;
  canUndo: boolean;
  canRedo: boolean;
  onTool(tool: PaintTool): void;
  onSize(size: number): void;
  onUndo(): void;
  onRedo(): void;
  onClear(): void;
  /** Clear asks first; the shortcut opens the same question. */
  askClear: boolean;
  onAskClear(asking: boolean): void;
}

export function Toolbar({ tool, size, canUndo, canRedo, onTool, onSize, onUndo, onRedo, onClear, askClear, onAskClear }: Props) {
  return (
    <div className="toolbar" role="toolbar" aria-label="Tools">
      <div className="tool-group">
        {TOOLS.map((t) => (
          <button
            key={t.id}
            className={tool === t.id ? 'tool active' : 'tool'}
            aria-pressed={tool === t.id}
            onClick={() => onTool(t.id)}
            title={`${t.name} (${t.key})`}
            aria-label={t.name}
            data-tool={t.id}
          >
            <span aria-hidden>{t.icon}</span> <span className="tool-name">{t.name}</span> <kbd>{t.key}</kbd>
          </button>
        ))}
      </div>
      <label className="size">
        Size <output>{size}</output>
        <input
          type="range"
          min={4}
          max={256}
          step={2}
          value={size}
          onChange={(e) => onSize(Number(e.target.value))}
          aria-label="Brush size"
        />
        <span className="muted small size-keys">[ and ]</span>
      </label>
      <div className="tool-group">
        <button className="tool" onClick={onUndo} disabled={!canUndo} title="Undo your last stroke (Ctrl+Z)" aria-label="Undo">
          <span aria-hidden>↶</span> <span className="tool-name">Undo</span>
        </button>
        <button className="tool" onClick={onRedo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" aria-label="Redo">
          <span aria-hidden>↷</span> <span className="tool-name">Redo</span>
        </button>
        <ConfirmButton
          className="tool danger"
          label="Clear"
          title="Clear the canvas for everyone; undoable, and the room's history keeps what was there (Shift+Delete)"
          question="Clear the canvas for everyone in the room?"
          confirmLabel="Clear for everyone"
          onConfirm={onClear}
          asking={askClear}
          onAskingChange={onAskClear}
          testId="clear"
        />
      </div>
    </div>
  );
}
