import { describe, expect, it } from 'vitest';
import { accessClosedPayload, frameMetaPayload, renderStatusPayload, voteAckPayload, voteStatePayload } from '../../lib/events';
import type { FrameMeta } from '../../lib/protocol';
import type { VoteState } from '../../lib/social';

const user = { id: 'u1', name: 'Ada', color: '#ff8800' };
const style = { id: 'sunset', name: 'Sunset', kind: 'preset' as const, thumbnail: '/api/models/landscape/presets/sunset.png' };
const vote: VoteState = {
  roomId: 'room-1',
  current: style,
  currentZ: [0.1, -0.2],
  present: 2,
  roundSeconds: 30,
  open: {
    id: 'round-1',
    status: 'open',
    closedBy: null,
    winner: null,
    openedBy: user,
    createdAt: '2026-12-03T12:00:00.000Z',
    closesAt: '2026-12-03T12:00:30.000Z',
    closedAt: null,
    candidates: [{ id: 'c1', style, proposedBy: user, votes: 1, voters: [user] }],
  },
  history: [],
};
const frame: FrameMeta = {
  roomId: 'room-1',
  version: 3,
  model: 'landscape',
  style: 'sunset',
  quality: 'full',
  renderMs: 81,
  width: 256,
  height: 256,
  mime: 'image/webp',
  bytes: 12000,
  at: 1764763200000,
};

describe('server -> browser payload schemas', () => {
  it('accept what the server sends', () => {
    expect(voteStatePayload.parse(vote)).toEqual(vote);
    expect(voteAckPayload.parse({ ok: true, state: vote })).toEqual({ ok: true, state: vote });
    expect(voteAckPayload.parse({ error: 'round closed' })).toEqual({ error: 'round closed' });
    expect(frameMetaPayload.parse(frame)).toEqual(frame);
    expect(renderStatusPayload.parse({ state: 'rendering', version: 4 })).toEqual({ state: 'rendering', version: 4 });
    expect(accessClosedPayload.parse({ code: 4401, reason: 'removed' })).toEqual({ code: 4401, reason: 'removed' });
  });

  it('refuse malformed ones', () => {
    expect(voteStatePayload.safeParse({ ...vote, currentZ: [Number.NaN] }).success).toBe(false);
    expect(voteStatePayload.safeParse({ ...vote, open: { ...vote.open, status: 'maybe' } }).success).toBe(false);
    expect(frameMetaPayload.safeParse({ ...frame, mime: 'text/html' }).success).toBe(false);
    expect(frameMetaPayload.safeParse({ ...frame, width: 0 }).success).toBe(false);
    expect(renderStatusPayload.safeParse({ state: 'unavailable' }).success).toBe(false);
    expect(voteAckPayload.safeParse(null).success).toBe(false);
  });
});
