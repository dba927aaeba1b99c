'use client';

import type { LabelSet } from '@/lib/labels';
import type { Identity } from '../lib/identity';
import type { Peer } from '../hooks/useRoomSync';

interface Props {
  me: Identity | null;
  peers: Peer[];
  labels: LabelSet;
  /** The peer whose view I follow (their Yjs client id), or null. */
  following: number | null;
  onFollow(clientId: number | null): void;
}

/** Who is here, what each holds, and follow mode: my canvas shows a peer's zoom and pan as they move. */
export function PeopleList({ me, peers, labels, following, onFollow }: Props) {
  const swatch = (name: string) => {
    const l = labels.labels.find((x) => x.name === name);
    return l ? `rgb(${l.color.join(',')})` : 'transparent';
  };
  return (
    <section className="panel people" aria-label="People in this room">
      <h2>
        In this room{' '}
        <span className="count" data-testid="people-count">
          {peers.length + 1}
        </span>
      </h2>
      <ul>
        {me && (
          <li>
            <span className="dot" style={{ background: me.color }} /> {me.name} <span className="muted small">(you)</span>
          </li>
        )}
        {peers.map((p) => (
          <li key={p.clientId} data-testid="peer">
            <span className="dot" style={{ background: p.user.color }} /> {p.user.name}
            <span className="peer-tool muted small">
              {p.tool} <span className="chip mini" style={{ background: swatch(p.label) }} /> {p.label}
            </span>
            {following === p.clientId ? (
              <button className="small-button follow active" onClick={() => onFollow(null)} data-testid="unfollow">
                Following
              </button>
            ) : (
              <button
                className="secondary small-button follow"
                onClick={() => onFollow(p.clientId)}
                disabled={!p.view}
                title={p.view ? `Show ${p.user.name}'s view as they zoom and pan` : 'Their page does not share its view'}
                data-testid="follow"
              >
                Follow
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
