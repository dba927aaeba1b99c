import * as Y from 'yjs';

/**
 * A document version both sides compute identically from the same state: the number of
 * operations ever integrated (inserted clocks plus deleted items). Every edit, undo included,
 * raises it, so a client can tell whether a frame is current and by how many edits it lags.
 */
export function docVersion(doc: Y.Doc): number {
  const snapshot = Y.snapshot(doc);
  let version = 0;
  for (const clock of snapshot.sv.values()) version += clock;
  for (const ranges of snapshot.ds.clients.values()) {
    for (const range of ranges) version += range.len;
  }
  return version;
}
