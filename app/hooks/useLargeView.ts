'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && target.closest('input, textarea, select, [contenteditable]') !== null;

/**
 * The picture's large view: a page-filling overlay (works everywhere, phones included) toggled by
 * P and closed by Escape, plus the browser's fullscreen on top where the Fullscreen API exists.
 */
export function useLargeView<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [large, setLarge] = useState(false);
  const [fullscreen, setFullscreen] = useState(false);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape') setLarge(false);
      else if (e.key === 'p' || e.key === 'P') setLarge((l) => !l);
    };
    const onFullscreen = () => setFullscreen(document.fullscreenElement !== null && document.fullscreenElement === ref.current);
    window.addEventListener('keydown', onKey);
    document.addEventListener('fullscreenchange', onFullscreen);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('fullscreenchange', onFullscreen);
    };
  }, []);

  // Closing the large view also leaves the browser's fullscreen.
  useEffect(() => {
    if (!large && document.fullscreenElement && document.fullscreenElement === ref.current) void document.exitFullscreen();
  }, [large]);

  const toggleFullscreen = useCallback(() => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void ref.current?.requestFullscreen().catch(() => undefined);
  }, []);

  const canFullscreen = typeof document !== 'undefined' && document.fullscreenEnabled;
  return { ref, large, setLarge, fullscreen, canFullscreen, toggleFullscreen };
}
