import { describe, expect, it } from 'vitest';
import { supersedes } from '../../lib/frameOrder';
import type { FrameMeta, FrameQuality } from '../../lib/protocol';

const frame = (version: number, quality: FrameQuality): FrameMeta => ({
  roomId: 'r',
  version,
  quality,
  model: 'm',
  style: 's',
  renderMs: 1,
  width: 1,
  height: 1,
  mime: 'image/webp',
  bytes: 1,
  at: 0,
});

describe('supersedes (which frame a client shows)', () => {
  it('shows the first frame, whatever its quality', () => {
    expect(supersedes(frame(1, 'draft'), null)).toBe(true);
  });

  it('never steps back to an older version, even a full one', () => {
    expect(supersedes(frame(1, 'full'), frame(2, 'draft'))).toBe(false);
  });

  it('lets a newer draft replace an older full frame', () => {
    expect(supersedes(frame(3, 'draft'), frame(2, 'full'))).toBe(true);
  });

  it('lets a full frame replace a draft of the same version, never the reverse', () => {
    expect(supersedes(frame(2, 'full'), frame(2, 'draft'))).toBe(true);
    expect(supersedes(frame(2, 'draft'), frame(2, 'full'))).toBe(false);
  });

  it('replaces a frame of the same version and quality (a style change re-renders it)', () => {
    expect(supersedes(frame(2, 'full'), frame(2, 'full'))).toBe(true);
  });
});
