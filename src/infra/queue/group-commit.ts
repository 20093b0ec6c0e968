/**
 * Group commit for the consumers' per-message writes: the first call runs at
 * once (in a microtask, so calls made in the same tick join it); calls made
 * while that flush is in flight wait for the next one, which takes them all
 * in one go (up to `maxBatch`). Idle, a message pays no delay; under load, ten
 * handlers in flight cost one database round trip instead of ten, and the
 * batch size follows the load by itself.
 *
 * `run` answers item by item, in order; an Error in its answer fails that
 * caller only. If `run` throws, every caller of that flush gets the error
 * (the transport then retries each message as it would a lone failure).
 */
export function groupCommit<I, O>(run: (items: I[]) => Promise<(O | Error)[]>, maxBatch = 100): (item: I) => Promise<O> {
  let waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let flushing = false;
  let scheduled = false;

  const flush = async () => {
    scheduled = false;
    if (flushing || waiting.length === 0) return;
    flushing = true;
    const batch = waiting.slice(0, maxBatch);
    waiting = waiting.slice(batch.length);
    try {
      const out = await run(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const o = out[i];
        if (o instanceof Error) w.reject(o);
        else if (i >= out.length) w.reject(new Error('group commit: no answer for this item'));
        else w.resolve(o as O);
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      flushing = false;
      if (waiting.length > 0) schedule();
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => void flush());
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!flushing) schedule();
    });
}
