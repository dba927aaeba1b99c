'use client';

import type { LabelSet } from '@/lib/labels';
import type { Identity } from '../lib/identity';
import type { Peer } from '../hooks/useRoomSync';

export function PeopleList({ me, peers, labels }: { me: Identity | null; peers: Peer[]; labels: LabelSet }) {
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
          </li>
        ))}
      </ul>
    </section>
  );
}
