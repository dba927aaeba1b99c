'use client';

import { useEffect, useRef, useState } from 'react';

interface Props {
  /** The button's text, and what it does once confirmed. */
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm(): void;
  className?: string;
  title?: string;
  disabled?: boolean;
  testId?: string;
  /** Controlled from outside (a keyboard shortcut asks too); uncontrolled when absent. */
  asking?: boolean;
  onAskingChange?(asking: boolean): void;
}

/**
 * A button for something that affects others or cannot be taken back by undo (clear, replacing a
 * link, removing someone, restoring a version): the first press asks, in the page, and only the
 * confirmation does it. Escape or Cancel keeps things as they are.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  className,
  title,
  disabled,
  testId,
  asking,
  onAskingChange,
}: Props) {
  const [own, setOwn] = useState(false);
  const open = asking ?? own;
  const setOpen = (value: boolean) => (onAskingChange ? onAskingChange(value) : setOwn(value));
  const close = useRef(setOpen);
  close.current = setOpen;
  const confirm = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    confirm.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close.current(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);

  if (!open) {
    return (
      <button className={className} onClick={() => setOpen(true)} title={title} disabled={disabled} data-testid={testId}>
        {label}
      </button>
    );
  }
  return (
    <div className="confirm" role="alertdialog" aria-label={question} data-testid={testId && `${testId}-confirm`}>
      <p className="small">{question}</p>
      <div className="row">
        <button
          ref={confirm}
          className="danger-button"
          onClick={() => {
            setOpen(false);
            onConfirm();
          }}
        >
          {confirmLabel}
        </button>
        <button className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
