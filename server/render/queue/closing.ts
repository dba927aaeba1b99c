/**
 * Waits for a graceful close; when it has not settled within ms, calls drop (BullMQ's close
 * waits for Redis, so with Redis gone shutdown would hang: drop disconnects instead).
 */
export async function closeWithin(closing: Promise<unknown>, ms: number, drop: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const settled = closing.then(
    () => true,
    () => true,
  );
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = await Promise.race([settled, late]);
  clearTimeout(timer);
  if (!done) await drop();
}
