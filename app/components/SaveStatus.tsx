'use client';

import { useState } from 'react';
import type { SyncStatus } from '../hooks/useRoomSync';

/**
 * Whether this person's strokes are stored on the server: Saved (all acknowledged), Saving…
 * (connected, some not acknowledged yet) or Offline with how many wait in this browser.
 */
export function SaveStatus({ status, unsaved }: { status: SyncStatus; unsaved: number }) {
  const [wasConnected, setWasConnected] = useState(false);
  if (status === 'connected' && !wasConnected) setWasConnected(true);
  // Before the first connection with nothing waiting, the sync status already says Connecting.
  if (!wasConnected && status !== 'connected' && unsaved === 0) return null;
  const text =
    status === 'connected' ? (unsaved === 0 ? 'Saved' : 'Saving…') : `Offline – ${unsaved} unsaved stroke${unsaved === 1 ? '' : 's'}`;
  return (
    <span
      className={`status save-status ${status === 'connected' ? '' : 'status-disconnected'}`}
      data-testid="save-status"
      data-unsaved={unsaved}
      title={status === 'connected' ? undefined : 'Kept in this browser; sent when the connection is back'}
    >
      {text}
    </span>
  );
}
