'use client';

import { useEffect, useState } from 'react';
import { shareUrl, type LinkKind, type RoomAccessInfo, type RoomMemberInfo } from '@/lib/access';
import { api } from '../lib/api';
import { copyText } from '../lib/clipboard';
import { ConfirmButton } from './ConfirmButton';

interface Props {
  roomId: string;
  access: RoomAccessInfo;
  /** How many people are in the room now: when it changes, the owner's list of people is re-read. */
  present: number;
  /** The server answered with the caller's standing after a change. */
  onChange(access: RoomAccessInfo): void;
}

const ROLE_TEXT = { owner: 'You own this room', editor: 'You can edit', viewer: 'You can view' } as const;
const VIA_TEXT: Record<RoomMemberInfo['via'], string> = {
  owner: 'set by you',
  invite: 'set by you',
  edit: 'came with the edit link',
  view: 'came with the view link',
};

/**
 * Who may do what in the room. Everyone sees their own role; in a room without an owner anyone
 * can claim it; the owner gets the links (copy, replace), private mode and the people with a role
 * (change it, remove them). Every change is the server's answer: the panel shows what it says.
 */
export function AccessPanel({ roomId, access, present, onChange }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const owner = access.role === 'owner';

  // Someone came or went: a newcomer who followed a link has a role now.
  useEffect(() => {
    if (!owner) return;
    let current = true;
    api.access(roomId).then(
      (a) => current && onChange(a),
      () => {
        // the list stays as it was; the next change or action reads it again
      },
    );
    return () => {
      current = false;
    };
  }, [owner, present, roomId, onChange]);

  const run = async (change: () => Promise<RoomAccessInfo>) => {
    setBusy(true);
    setError(null);
    try {
      onChange(await change());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel access" aria-label="Sharing and people" data-testid="access-panel" data-role={access.role}>
      <h2>Sharing</h2>
      <p className="small" data-testid="my-role">
        {access.open ? 'This room has no owner yet: everyone with its address can edit.' : ROLE_TEXT[access.role]}
        {!access.open && access.private && ' · private'}
      </p>
      {access.open && (
        <button className="secondary" disabled={busy} onClick={() => run(() => api.claimRoom(roomId))} data-testid="claim-room">
          Claim this room
        </button>
      )}
      {access.role === 'owner' && access.links && (
        <>
          <label className="check small">
            <input
              type="checkbox"
              checked={access.private}
              disabled={busy}
              onChange={(e) => {
                const value = e.currentTarget.checked;
                void run(() => api.setPrivate(roomId, value));
              }}
              data-testid="private-toggle"
            />{' '}
            Private: only people with a current link or a role get in
          </label>
          {(['edit', 'view'] as const).map((kind) => (
            <ShareLink
              key={kind}
              kind={kind}
              url={shareUrl(location.origin, roomId, access.links![kind])}
              busy={busy}
              onRotate={() => run(() => api.rotateLink(roomId, kind))}
            />
          ))}
          <h3 className="small">People with a role</h3>
          {access.members && access.members.length > 0 ? (
            <ul className="members" data-testid="members">
              {access.members.map((m) => (
                <li key={m.userId} data-testid="member" data-user={m.userId} data-member-role={m.role}>
                  <span className="dot" style={{ background: m.color }} /> {m.name}
                  <span className="muted small">{m.role === 'removed' ? 'removed' : VIA_TEXT[m.via]}</span>
                  <select
                    aria-label={`Role of ${m.name}`}
                    value={m.role}
                    disabled={busy}
                    onChange={(e) => {
                      const role = e.currentTarget.value as 'editor' | 'viewer' | 'removed';
                      void run(() => api.setMemberRole(roomId, m.userId, role));
                    }}
                  >
                    <option value="editor">editor</option>
                    <option value="viewer">viewer</option>
                    <option value="removed">removed</option>
                  </select>
                  {m.role !== 'removed' && (
                    <ConfirmButton
                      className="small-button"
                      label="Remove"
                      question={`Remove ${m.name}? They are disconnected and kept out whatever link they have.`}
                      confirmLabel="Remove"
                      disabled={busy}
                      onConfirm={() => void run(() => api.setMemberRole(roomId, m.userId, 'removed'))}
                    />
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">Nobody yet: people who follow a link appear here.</p>
          )}
        </>
      )}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function ShareLink({ kind, url, busy, onRotate }: { kind: LinkKind; url: string; busy: boolean; onRotate(): void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const name = kind === 'edit' ? 'Edit link' : 'View link';
  return (
    <div className="share-link" data-testid={`${kind}-link`}>
      <span className="small">
        {name} <span className="muted">{kind === 'edit' ? '(can paint)' : '(sees it live, read-only)'}</span>
      </span>
      <input readOnly value={url} aria-label={name} onFocus={(e) => e.currentTarget.select()} data-testid={`${kind}-link-url`} />
      <div className="row">
        <button
          className="small-button"
          onClick={async () => {
            setCopied(await copyText(url));
            setTimeout(() => setCopied(null), 1500);
          }}
        >
          {copied === true ? 'Copied ✓' : copied === false ? 'Select and copy by hand' : 'Copy'}
        </button>
        <ConfirmButton
          className="small-button"
          label="Replace"
          question={`Replace the ${kind} link? The old one stops working and people who joined with it lose access.`}
          confirmLabel="Replace link"
          disabled={busy}
          onConfirm={onRotate}
          testId={`rotate-${kind}`}
        />
      </div>
    </div>
  );
}
