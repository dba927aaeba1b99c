import * as Y from 'yjs';

/**
 * The values `transaction` inserted into `array` (and did not delete again), read from the structs
 * it wrote: a Y.Array event's own `changes` walk the whole array, per update.
 */
export function insertedInto<T>(array: Y.Array<T>, transaction: Y.Transaction): T[] {
  const added: T[] = [];
  for (const [client, after] of transaction.afterState) {
    const before = transaction.beforeState.get(client) ?? 0;
    if (after <= before) continue;
    const structs = transaction.doc.store.clients.get(client) ?? [];
    for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
      const struct = structs[i];
      if (struct instanceof Y.Item && struct.parent === array && !struct.deleted) added.push(...(struct.content.getContent() as T[]));
    }
  }
  return added;
}
