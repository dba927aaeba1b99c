// Rooms' database work on its own thread (updateRowsThread.ts): the update store's queries, fsyncs
// and the merges of compaction, load and history versions happen here, off the sync loop.
import { parentPort, workerData } from 'node:worker_threads';
import { databaseProvider, openDb } from '../db';
import { PrismaUpdateRows } from './updateRows';
import { addVersion } from '../rooms/versionRows';
import type { FromRowsThread, RowsThreadData, ToRowsThread } from './updateRowsThread';

const port = parentPort!;
const { databaseUrl } = workerData as RowsThreadData;
const post = (message: FromRowsThread) =>
  // A version's merged state (the room's whole document) is moved back, not copied.
  port.postMessage(message, message.type === 'done' && message.version ? [message.version.buffer as ArrayBuffer] : []);

try {
  const db = openDb(databaseUrl);
  await db.$connect();
  const rows = new PrismaUpdateRows(db, databaseProvider(databaseUrl));
  const serve = async (message: ToRowsThread): Promise<FromRowsThread> => {
    if (message.type === 'load') return { type: 'done', id: message.id, loaded: await rows.load(message.roomId) };
    if (message.type === 'version') return { type: 'done', id: message.id, version: await addVersion(db, message.version, message.keep) };
    if (message.type === 'write') await rows.write(message.rows);
    else if (message.type === 'compact') await rows.compact(message.roomId);
    else throw new Error(`the rows thread does not serve '${String((message as { type?: unknown })?.type)}' messages`);
    return { type: 'done', id: message.id };
  };
  // One at a time, in order: a compaction never interleaves with the commits around it.
  let queue = Promise.resolve();
  port.on('message', (message: ToRowsThread) => {
    queue = queue
      .then(() => serve(message))
      .then(
        (reply) => post(reply),
        (error: unknown) => post({ type: 'error', id: message?.id, message: error instanceof Error ? error.message : String(error) }),
      );
  });
  post({ type: 'ready', provider: databaseProvider(databaseUrl) });
} catch (error) {
  post({ type: 'failed', reason: (error as Error).message });
}
