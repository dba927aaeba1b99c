'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { PublicUser, StyleInfo, VoteRoundInfo } from '@/lib/social';
import { EVENTS } from '@/lib/events';
import type { RoomFeed, VoteAction } from '../hooks/useRoomFeed';
import { api } from '../lib/api';

const MAX_UPLOAD = 5 * 1024 * 1024;

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function Thumb({ style, size = 40 }: { style: StyleInfo | null; size?: number }) {
  return style?.thumbnail ? (
    // eslint-disable-next-line @next/next/no-img-element
    <img className="style-thumb" src={style.thumbnail} alt="" width={size} height={size} />
  ) : (
    <span className="style-thumb placeholder" style={{ width: size, height: size }} aria-hidden>
      ◆
    </span>
  );
}

function Voters({ users }: { users: PublicUser[] }) {
  return (
    <span className="voters">
      {users.map((u) => (
        <span key={u.id} className="dot" title={u.name} style={{ background: u.color }} />
      ))}
    </span>
  );
}

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return new Date(iso).toLocaleString();
}

/**
 * The room's style: what it renders with now, the open vote (candidates, tally, countdown),
 * proposing a preset or an uploaded picture, and past rounds, over the room page's feed.
 */
export function StylePanel({
  roomId,
  me,
  feed,
}: {
  roomId: string;
  me: PublicUser;
  feed: Pick<RoomFeed, 'votes' | 'connected' | 'sendVote'>;
}) {
  const { votes: state, connected, sendVote } = feed;
  const [styles, setStyles] = useState<StyleInfo[]>([]);
  // Models without a style encoder (e.g. some official checkpoints) offer presets only.
  const [canUpload, setCanUpload] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const file = useRef<HTMLInputElement>(null);
  const now = useNow(Boolean(state?.open));

  const loadStyles = useCallback(async () => {
    // The list is an extra: the panel keeps the one it has when it cannot be fetched.
    const body = await api.roomStyles(roomId).catch(() => null);
    if (!body) return;
    setStyles(body.styles);
    setCanUpload(body.canUpload);
  }, [roomId]);

  useEffect(() => void loadStyles(), [loadStyles]);

  // Someone else uploaded a style we have not listed yet: refresh the list.
  useEffect(() => {
    const ids = state?.open?.candidates.map((c) => c.style.id) ?? [];
    if (ids.some((id) => !styles.some((s) => s.id === id))) void loadStyles();
  }, [state, styles, loadStyles]);

  const act = async (key: string, action: VoteAction) => {
    setBusy(key);
    setError(null);
    const ack = await sendVote(action);
    if ('error' in ack) setError(ack.error);
    setBusy(null);
    return ack;
  };

  const propose = async (styleId: string) => {
    const ack = await act(`propose:${styleId}`, { event: EVENTS.propose, payload: { styleId } });
    if (!('error' in ack)) setPicking(false);
  };

  const upload = async (f: File) => {
    setError(null);
    if (!f.type.startsWith('image/')) return setError('Pick an image file (PNG, JPEG, WebP or GIF).');
    if (f.size > MAX_UPLOAD) return setError('That image is over 5 MB; pick a smaller one.');
    setBusy('upload');
    try {
      const name =
        f.name
          .replace(/\.[^.]+$/, '')
          .replace(/[\u0000-\u001f<>]/g, '')
          .slice(0, 40) || 'My photo';
      const { style } = await api.uploadStyle(roomId, name, f);
      await loadStyles();
      await propose(style.id);
    } catch (e) {
      setError(`Upload failed: ${(e as Error).message}`);
    } finally {
      setBusy(null);
      if (file.current) file.current.value = '';
    }
  };

  const open = state?.open ?? null;
  const myVote = open?.candidates.find((c) => c.voters.some((v) => v.id === me.id)) ?? null;
  const secondsLeft = open ? Math.max(0, Math.ceil((Date.parse(open.closesAt) - now) / 1000)) : 0;
  const needed = state ? Math.floor(state.present / 2) + 1 : 1;
  const alone = state !== null && state.present <= 1;
  const proposable = styles.filter((s) => s.id !== state?.current.id && !open?.candidates.some((c) => c.style.id === s.id));

  return (
    <section className="panel styles" aria-label="Room style" data-testid="style-panel">
      <h2>Style</h2>
      <div className="current-style" data-testid="current-style" data-style-id={state?.current.id ?? ''} aria-live="polite">
        <Thumb style={state?.current ?? null} size={48} />
        <div>
          <div className="style-name">{state ? state.current.name : connected ? 'Loading…' : 'Connecting…'}</div>
          <div className="muted small">
            {state ? `${state.present} ${state.present === 1 ? 'person' : 'people'} here · majority is ${needed}` : ' '}
          </div>
        </div>
      </div>

      {open ? (
        <div className="vote-round" data-testid="vote-round" data-round-id={open.id}>
          <div className="vote-head">
            <strong>Vote open</strong>
            <span className="muted small">
              {secondsLeft}s left · first to {needed}
            </span>
          </div>
          <div className="vote-timer" aria-hidden>
            <span
              style={{
                width: `${Math.min(100, (secondsLeft * 1000 * 100) / Math.max(1, Date.parse(open.closesAt) - Date.parse(open.createdAt)))}%`,
              }}
            />
          </div>
          <ul className="candidates">
            {open.candidates.map((c) => {
              const mine = myVote?.id === c.id;
              return (
                <li key={c.id} className={mine ? 'mine' : ''} data-testid="candidate" data-style-id={c.style.id}>
                  <Thumb style={c.style} size={36} />
                  <div className="candidate-body">
                    <div className="candidate-name">
                      {c.style.name} <span className="muted small">by {c.proposedBy.id === me.id ? 'you' : c.proposedBy.name}</span>
                    </div>
                    <div className="tally">
                      <span className="bar">
                        <span style={{ width: `${Math.min(100, (c.votes * 100) / needed)}%` }} />
                      </span>
                      <span className="small" data-testid="votes">
                        {c.votes}/{needed}
                      </span>
                      <Voters users={c.voters} />
                    </div>
                  </div>
                  {mine ? (
                    <span className="badge">Your vote</span>
                  ) : (
                    <button
                      className="secondary small-button vote-button"
                      disabled={Boolean(myVote) || busy !== null}
                      title={myVote ? 'You already voted in this round' : `Vote for ${c.style.name}`}
                      onClick={() => void act(`vote:${c.id}`, { event: EVENTS.vote, payload: { roundId: open.id, candidateId: c.id } })}
                      data-testid="vote"
                    >
                      Vote
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </div>
      ) : (
        <p className="muted small">
          Propose a style and the room votes: the first to a majority of those here wins, or the most votes after{' '}
          {state?.roundSeconds ?? 30} s.
        </p>
      )}

      {error && (
        <p className="error small" role="alert" data-testid="style-error">
          {error}
        </p>
      )}

      <div className="propose">
        <button className="secondary" onClick={() => setPicking((p) => !p)} aria-expanded={picking} data-testid="propose-open">
          {picking ? 'Hide styles' : open ? 'Add a style to this vote' : alone ? 'Change the style' : 'Propose a style'}
        </button>
        {/* Proposing counts as the proposer's vote, and one vote is a majority of one. */}
        {alone && !open && (
          <p className="muted small" data-testid="style-alone">
            You are the only one here: the style you pick applies at once, no vote.
          </p>
        )}
        {picking && (
          <>
            <div className="style-grid">
              {proposable.map((s) => (
                <button
                  key={s.id}
                  className="style-option"
                  disabled={busy !== null || !connected}
                  onClick={() => void propose(s.id)}
                  title={alone ? `Use ${s.name}` : `Propose ${s.name}`}
                  data-testid="style-option"
                  data-style-id={s.id}
                >
                  <Thumb style={s} size={64} />
                  <span>{s.name}</span>
                </button>
              ))}
              {proposable.length === 0 && (
                <p className="muted small">
                  {styles.length === 0 ? 'This model ships no style presets.' : 'Every style is already in play.'}
                </p>
              )}
            </div>
            {canUpload && (
              <label className={`upload${busy === 'upload' ? ' busy' : ''}`}>
                <input
                  ref={file}
                  type="file"
                  accept="image/png,image/jpeg,image/webp,image/gif"
                  disabled={busy !== null}
                  onChange={(e) => {
                    const f = e.target.files?.[0];
                    if (f) void upload(f);
                  }}
                  data-testid="style-upload"
                />
                {busy === 'upload' ? 'Encoding your picture…' : 'Upload a photo as a style (≤ 5 MB)'}
              </label>
            )}
          </>
        )}
      </div>

      {state && state.history.length > 0 && (
        <details className="history" open>
          <summary className="small muted">Past votes</summary>
          <ol data-testid="vote-history">
            {state.history.map((r) => (
              <HistoryItem key={r.id} round={r} now={now} />
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}

function HistoryItem({ round, now }: { round: VoteRoundInfo; now: number }) {
  const total = round.candidates.reduce((n, c) => n + c.votes, 0);
  return (
    <li data-testid="history-item" data-winner={round.winner?.id ?? ''}>
      <Thumb style={round.winner} size={28} />
      <div>
        <div className="small">
          {round.winner ? (
            <>
              <strong>{round.winner.name}</strong> won
            </>
          ) : (
            'No winner'
          )}
          <span className="muted">
            {' '}
            · {round.closedBy === 'majority' ? 'majority' : 'timer'} · {total} vote{total === 1 ? '' : 's'}
          </span>
        </div>
        <div className="muted small">
          {round.candidates.map((c) => `${c.style.name} ${c.votes}`).join(' · ')} · {round.closedAt ? ago(round.closedAt, now) : ''}
        </div>
      </div>
    </li>
  );
}
