import { labelIds, parseLabelSet } from '../../lib/labels';
import type { ModelEntry } from '../../server/models/modelRegistry';
import { SOCKET_OPEN, type RoomSocket } from '../../server/sync/roomSocket';

/** A two-label set (sky, sea) small enough for unit tests of rooms. */
export const testLabels = parseLabelSet({
  id: 'test',
  background: 'sky',
  labels: [
    { id: 0, name: 'sky', color: [0, 0, 255] },
    { id: 1, name: 'sea', color: [0, 0, 128] },
  ],
});

/** A model entry that rooms accept without a real model behind it: nothing in these tests renders. */
export const testModel = {
  id: 'test',
  size: [16, 16],
  zDim: 4,
  labels: testLabels,
  labelNames: new Set(labelIds(testLabels).keys()),
  presets: [],
} as unknown as ModelEntry;

/** A connection as the room sees it, recording what it was sent and how it was closed. */
export class FakeSocket implements RoomSocket {
  readyState = SOCKET_OPEN;
  readonly sent: Uint8Array[] = [];
  closed: { code?: number; reason?: string } | null = null;
  send(message: Uint8Array): void {
    this.sent.push(message);
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
  }
}
