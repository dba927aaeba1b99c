'use client';

import type { LabelSet } from '@/lib/labels';

/**
 * Label shortcuts by physical key (KeyboardEvent.code, so they work on any layout): 1-9 and 0
 * pick the first ten labels, Shift+1-9 the next nine. Shift+0 is the canvas's "fit".
 */
const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

/** The shortcut of the i-th label as shown ("3", "⇧3"), or null past the 19th. */
export function labelShortcut(i: number): string | null {
  if (i < 10) return DIGITS[i];
  if (i < 19) return `⇧${DIGITS[i - 10]}`;
  return null;
}

/** The label keys of a palette of n labels, for the shortcut line ("1–0, ⇧1–⇧6"). */
export function labelKeysHint(n: number): string {
  const keys = Math.min(n, 19);
  if (keys <= 10) return `1–${DIGITS[keys - 1]}`;
  return keys === 11 ? '1–0, ⇧1' : `1–0, ⇧1–⇧${DIGITS[keys - 11]}`;
}

/** Index of the label a key press picks, or -1. */
export function labelIndexForKey(e: { code: string; shiftKey: boolean }): number {
  const m = /^Digit(\d)$/.exec(e.code);
  if (!m) return -1;
  const i = DIGITS.indexOf(m[1]);
  if (!e.shiftKey) return i;
  return i < 9 ? 10 + i : -1;
}

export function Palette({ labels, value, onChange }: { labels: LabelSet; value: string; onChange(name: string): void }) {
  return (
    <div className="palette" role="radiogroup" aria-label="Label">
      {labels.labels.map((l, i) => {
        const key = labelShortcut(i);
        return (
          <button
            key={l.name}
            role="radio"
            aria-checked={value === l.name}
            className={value === l.name ? 'swatch active' : 'swatch'}
            onClick={() => onChange(l.name)}
            title={key ? `${l.name} (${key.replace('⇧', 'Shift+')})` : l.name}
            data-label={l.name}
          >
            <span className="chip" style={{ background: `rgb(${l.color.join(',')})` }} />
            <span className="name">{l.name}</span>
            {key && <kbd>{key}</kbd>}
          </button>
        );
      })}
    </div>
  );
}
