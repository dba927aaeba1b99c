'use client';

import { useEffect, useRef, type ReactNode } from 'react';

/** What a viewer sees above the room: that it is live and read-only, and how to get edit rights. */
export function ReadOnlyBanner() {
  return (
    <div className="banner read-only" role="status" data-testid="read-only-banner">
      <strong>View only.</strong> You see the painting live but cannot change it. Ask the owner for the edit link to paint.
    </div>
  );
}

/**
 * Around the canvas of a viewer: stops the presses that would paint (the server would refuse the
 * stroke and close the connection) and lets the view gestures through: wheel zoom, middle-drag or
 * space-drag pan, the zoom buttons. Touch presses are stopped too: one finger would paint.
 */
export function ReadOnlyCanvas({ readOnly, children }: { readOnly: boolean; children: ReactNode }) {
  const space = useRef(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === ' ') space.current = e.type === 'keydown';
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKey);
    };
  }, []);
  return (
    <div
      className="canvas-guard"
      data-read-only={readOnly}
      onPointerDownCapture={(e) => {
        if (!readOnly || (e.target instanceof Element && e.target.closest('button'))) return;
        const pan = e.pointerType !== 'touch' && (e.button === 1 || (e.button === 0 && space.current));
        if (!pan) e.stopPropagation();
      }}
    >
      {children}
    </div>
  );
}
