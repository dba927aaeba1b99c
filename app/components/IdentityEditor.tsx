'use client';

import { useEffect, useRef, useState } from 'react';
import { IDENTITY_COLORS, type Identity } from '../lib/identity';
import { api } from '../lib/api';

/** Name and colour others see on your cursor, votes and gallery credits (stored server-side). */
export function IdentityEditor({ me, onChange }: { me: Identity; onChange: (me: Identity) => void }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);

  // The colour menu closes on a click elsewhere or Escape.
  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    document.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('pointerdown', away);
      document.removeEventListener('keydown', key);
    };
  }, [open]);

  const save = async (patch: { name?: string; color?: string }) => {
    setError(null);
    try {
      onChange(await api.updateMe(patch));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div className="identity" data-testid="identity" ref={box}>
      <button
        className="identity-color"
        style={{ background: me.color }}
        aria-label="Your colour"
        title="Your colour"
        onClick={() => setOpen((o) => !o)}
      />
      <input
        key={me.name}
        className="name-input"
        aria-label="Your name"
        maxLength={40}
        defaultValue={me.name}
        title={error ?? 'Your name as others see it'}
        aria-invalid={error ? true : undefined}
        onBlur={(e) => {
          const name = e.target.value.trim();
          if (name && name !== me.name) void save({ name });
          else e.target.value = me.name;
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
        }}
      />
      {open && (
        <div className="color-menu" role="menu">
          {IDENTITY_COLORS.map((c) => (
            <button
              key={c}
              role="menuitemradio"
              aria-checked={c === me.color}
              aria-label={c}
              className={`color-choice${c === me.color ? ' active' : ''}`}
              style={{ background: c }}
              onClick={() => {
                setOpen(false);
                void save({ color: c });
              }}
            />
          ))}
        </div>
      )}
      {error && (
        <span className="error small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
