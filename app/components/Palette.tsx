'use client';

import type { LabelSet } from '@/lib/labels';

/** Keys 1-9 then 0 pick the first ten labels. */
export const LABEL_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

export function Palette({ labels, value, onChange }: { labels: LabelSet; value: string; onChange(name: string): void }) {
  return (
    <div className="palette" role="radiogroup" aria-label="Label">
      {labels.labels.map((l, i) => (
        <button
          key={l.name}
          role="radio"
          aria-checked={value === l.name}
          className={value === l.name ? 'swatch active' : 'swatch'}
          onClick={() => onChange(l.name)}
          title={LABEL_KEYS[i] ? `${l.name} (${LABEL_KEYS[i]})` : l.name}
          data-label={l.name}
        >
          <span className="chip" style={{ background: `rgb(${l.color.join(',')})` }} />
          <span className="name">{l.name}</span>
          {LABEL_KEYS[i] && <kbd>{LABEL_KEYS[i]}</kbd>}
        </button>
      ))}
    </div>
  );
}
