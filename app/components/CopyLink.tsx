'use client';

import { useEffect, useRef, useState } from 'react';
import { copyText } from '../lib/clipboard';

/**
 * "Copy room link": says "Link copied" only when the clipboard took it; otherwise shows the link
 * selected in a field, to copy by hand.
 */
export function CopyLink() {
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (state === 'copied') {
      const t = setTimeout(() => setState('idle'), 1500);
      return () => clearTimeout(t);
    }
    if (state === 'manual') field.current?.select();
  }, [state]);

  const copy = async () => setState((await copyText(location.href)) ? 'copied' : 'manual');

  return (
    <div className="copy-link">
      <button className="secondary" onClick={copy} data-testid="copy-link">
        {state === 'copied' ? 'Link copied ✓' : 'Copy room link'}
      </button>
      <span className="visually-hidden" role="status">
        {state === 'copied' ? 'Room link copied to the clipboard' : ''}
      </span>
      {state === 'manual' && (
        <div className="popover" role="dialog" aria-label="Room link" data-testid="copy-link-manual">
          <p>This browser did not let the page copy. The link is selected: press Ctrl+C (⌘C on a Mac) to copy it.</p>
          <input ref={field} readOnly value={location.href} aria-label="Room link" onFocus={(e) => e.currentTarget.select()} />
          <div className="row">
            <button className="secondary" onClick={() => setState('idle')}>
              Close
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
