import { describe, expect, it } from 'vitest';
import { compareLabels, understandingReport } from '../../lib/understanding';
import { parseLabelSet } from '../../lib/labels';

const set = parseLabelSet({
  id: 'test',
  background: 'sky',
  labels: [
    { id: 0, name: 'sky', color: [0, 0, 255] },
    { id: 1, name: 'sea', color: [0, 0, 128] },
    { id: 2, name: 'sand', color: [220, 200, 120] },
  ],
});

describe('compareLabels', () => {
  it('scores each painted label by the share the segmenter agreed with and names what it saw instead', () => {
    // 10 pixels: 4 sky (all seen as sky), 4 sea (1 seen as sky, 2 as sand), 2 sand (seen as sand)
    const painted = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
    const seen = Uint8Array.from([0, 0, 0, 0, 1, 0, 2, 2, 2, 2]);
    const { agreement, labels, overlay } = compareLabels(painted, seen, set);
    expect(agreement).toBeCloseTo(0.7);
    expect(labels.map((l) => [l.name, l.agreed, l.seenAs])).toEqual([
      ['sea', 0.25, 'sand'],
      ['sky', 1, null],
      ['sand', 1, null],
    ]);
    expect(labels[0].painted).toBeCloseTo(0.4);
    // transparent where they agree, the colour of what was seen where they do not
    expect([...overlay.slice(0, 4)]).toEqual([0, 0, 0, 0]);
    expect([...overlay.slice(5 * 4, 5 * 4 + 3)]).toEqual([0, 0, 255]);
    expect([...overlay.slice(6 * 4, 6 * 4 + 3)]).toEqual([220, 200, 120]);
    expect(overlay[6 * 4 + 3]).toBeGreaterThan(0);
  });

  it('leaves out stray labels and refuses maps of different sizes', () => {
    const painted = new Uint8Array(1000);
    painted[0] = 1; // one sea pixel among sky: below the share worth reporting
    const { labels } = compareLabels(painted, new Uint8Array(1000), set);
    expect(labels.map((l) => l.name)).toEqual(['sky']);
    expect(() => compareLabels(new Uint8Array(4), new Uint8Array(5), set)).toThrow(/differ in size/);
  });

  it('the report schema refuses an overlay that is not a PNG data URL', () => {
    const report = {
      roomId: 'r',
      version: 1,
      model: 'm',
      width: 2,
      height: 2,
      agreement: 1,
      labels: [],
      overlay: 'data:image/png;base64,AAAA',
      ms: { segmenter: 1, total: 2 },
    };
    expect(understandingReport.safeParse(report).success).toBe(true);
    expect(understandingReport.safeParse({ ...report, overlay: 'javascript:alert(1)' }).success).toBe(false);
  });
});
