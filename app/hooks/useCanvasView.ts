'use client';

import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { FIT, wheelFactor, zoomAt, type View } from '../lib/viewport';

/** Zoom step of the + and - keys and buttons. */
export const ZOOM_STEP = 1.5;

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && target.closest('input, textarea, select, [contenteditable]') !== null;

/**
 * The canvas frame's view (app/lib/viewport) and the inputs that move it without a pointer drag:
 * the wheel and trackpad pinch (ctrl + wheel) zoom about the pointer, + and - about the centre,
 * Shift+0 fits; Space held while the pointer is over the frame (`hovering`) arms panning.
 * `onUserMove` hears of every move the person makes (follow mode stops on one).
 */
export function useCanvasView(frameRef: RefObject<HTMLDivElement | null>, onUserMove?: () => void) {
  const [view, setViewState] = useState<View>(FIT);
  const viewRef = useRef(view);
  const onUserMoveRef = useRef(onUserMove);
  onUserMoveRef.current = onUserMove;
  /** Shows a view without it counting as the person's own move (follow mode). */
  const showView = useCallback((next: View) => {
    viewRef.current = next;
    setViewState(next);
  }, []);
  /** The person moved the view (wheel, keys, gestures, buttons): follow mode ends. */
  const setView = useCallback(
    (next: View | ((v: View) => View)) => {
      showView(typeof next === 'function' ? next(viewRef.current) : next);
      onUserMoveRef.current?.();
    },
    [showView],
  );
  const hovering = useRef(false);
  const [spaceHeld, setSpaceHeld] = useState(false);

  /** Pointer position as fractions of the frame's content box (on the border: just outside 0..1). */
  const framePos = useCallback(
    (e: { clientX: number; clientY: number }): [number, number] => {
      const el = frameRef.current!;
      const rect = el.getBoundingClientRect();
      return [(e.clientX - rect.left - el.clientLeft) / el.clientWidth, (e.clientY - rect.top - el.clientTop) / el.clientHeight];
    },
    [frameRef],
  );

  // Non-passive, or the page would scroll (or the browser zoom) as well.
  useEffect(() => {
    const el = frameRef.current!;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const [fx, fy] = framePos(e);
      setView((v) => zoomAt(v, wheelFactor(e.deltaY, e.deltaMode, e.ctrlKey), fx, fy));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [frameRef, framePos, setView]);

  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.code === 'Space' && hovering.current) {
        e.preventDefault();
        setSpaceHeld(true);
      } else if (e.key === '+' || e.key === '=') setView((v) => zoomAt(v, ZOOM_STEP, 0.5, 0.5));
      else if (e.key === '-') setView((v) => zoomAt(v, 1 / ZOOM_STEP, 0.5, 0.5));
      else if (e.code === 'Digit0' && e.shiftKey) setView(FIT);
    };
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.code === 'Space') setSpaceHeld(false);
    };
    const release = () => setSpaceHeld(false);
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp);
    window.addEventListener('blur', release);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', release);
    };
  }, [setView]);

  return { view, viewRef, setView, showView, framePos, hovering, spaceHeld };
}
