"use client";

import { useEffect, useState } from "react";

interface Fetched<T> {
  /** The last successful result, kept while the next key loads so the list does not flash empty. */
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
}

/**
 * Load `key` with `load` (re-run when the key changes, the previous request aborted). `loading`
 * is derived: the settled key differs from the requested one.
 */
export function useFetched<T>(key: string | null, load: (key: string, signal: AbortSignal) => Promise<T>): Fetched<T> {
  const [settled, setSettled] = useState<{ key: string | null; data?: T; error?: string }>({ key: null });

  // External system: the server. `load` is deliberately not a dependency (callers pass inline
  // functions); the key alone says what to fetch.
  useEffect(() => {
    if (key === null) return;
    const ctl = new AbortController();
    load(key, ctl.signal).then(
      (data) => setSettled({ key, data }),
      (e: Error) => {
        if (!ctl.signal.aborted) setSettled((s) => ({ key, data: s.data, error: e.message }));
      },
    );
    return () => ctl.abort();
  }, [key]);

  return { data: settled.data, error: settled.key === key ? settled.error : undefined, loading: key !== null && settled.key !== key };
}
