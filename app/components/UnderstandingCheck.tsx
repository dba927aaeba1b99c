'use client';

import { useState } from 'react';
import { understandingReport, type UnderstandingReport } from '@/lib/understanding';
import { api } from '../lib/api';
import styles from './UnderstandingCheck.module.css';
import type { ShownFrame } from '../hooks/useRoomFeed';

const pct = (v: number) => `${Math.round(v * 100)}%`;
/** Below this a label is called out: the model painted something else there. */
const WEAK = 0.6;

/**
 * "Did the model understand you?": the server's evaluation segmenter labels the latest full
 * picture; the overlay shows where it read something other than what was painted (in the colour
 * of what it read), and each painted label gets the share it recognised.
 */
export function UnderstandingCheck({ roomId, frame }: { roomId: string; frame: ShownFrame | null }) {
  const [report, setReport] = useState<UnderstandingReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const check = async () => {
    setBusy(true);
    try {
      const parsed = understandingReport.safeParse(await api.understanding(roomId));
      if (!parsed.success) throw new Error('the server sent a report this page cannot read');
      setReport(parsed.data);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const stale = report !== null && frame !== null && frame.meta.version !== report.version;
  return (
    <details className="panel understanding" data-testid="understanding">
      <summary>
        <h2>Did the model understand you?</h2>
      </summary>
      <p className="muted small">
        A segmenter trained on real landscapes reads the full picture back into labels and compares them with what was painted.
      </p>
      <button className="secondary" onClick={() => void check()} disabled={busy || frame === null} data-testid="understanding-check">
        {busy ? 'Checking…' : report ? 'Check again' : 'Check the picture'}
      </button>
      {report && (
        <div className="understanding-report" data-testid="understanding-report" data-agreement={report.agreement.toFixed(3)}>
          <div className={styles.images}>
            {frame && !stale && (
              // eslint-disable-next-line @next/next/no-img-element -- a blob: URL of the frame, not an asset Next can optimise
              <img src={frame.url} alt="The checked picture" width={report.width} height={report.height} />
            )}
            {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL made by the server */}
            <img
              src={report.overlay}
              alt="Where the model read something other than what was painted"
              width={report.width}
              height={report.height}
              data-testid="understanding-overlay"
            />
          </div>
          <p className="small">
            <strong>{pct(report.agreement)}</strong> of the picture reads as painted · segmenter {report.ms.segmenter} ms (check{' '}
            {report.ms.total} ms)
            {stale && <span className="muted"> · the picture has changed since: check again</span>}
          </p>
          <ul className={styles.labels} data-testid="understanding-labels">
            {report.labels.map((l) => (
              <li key={l.name} data-label={l.name} data-agreed={l.agreed.toFixed(3)} className={l.agreed < WEAK ? styles.weak : undefined}>
                <span className={styles.swatch} style={{ background: `rgb(${l.color.join(',')})` }} aria-hidden />
                <span className={styles.name}>{l.name}</span>
                <span className={styles.value}>{pct(l.agreed)}</span>
                {l.agreed < WEAK && l.seenAs && <span className="muted small"> read as {l.seenAs}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </details>
  );
}
