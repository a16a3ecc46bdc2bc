import { useCallback, useEffect, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/** Loads `fn` now, when `deps` change, and every `everyMs` if given. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[], everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    const run = () =>
      fn().then(
        (v) => {
          if (!live) return;
          setData(v);
          setError(undefined);
        },
        (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
      );
    void run();
    const timer = everyMs ? setInterval(() => void run(), everyMs) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [...deps, tick]);
  return { data, error, reload };
}

export const fmtTime = (ms: number | undefined): string =>
  ms === undefined || ms <= 0 ? '' : new Date(ms).toLocaleString(undefined, { hour12: false });

export const fmtNum = (n: number | undefined): string =>
  n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString();
