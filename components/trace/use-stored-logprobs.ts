"use client";

import { useEffect, useState } from "react";
import { logprobsFromBase64, TraceLogprobsSchema, unpackLogprobs, type TokenLogprob } from "@/lib/protocol";

export type SegmentLogprobs = Record<number, readonly TokenLogprob[]>;

const NONE: SegmentLogprobs = {};

/** The body of GET /api/traces/:id/logprobs, decoded; a segment whose blob does not decode is shown without probabilities. */
function decode(body: unknown): SegmentLogprobs {
  const out: Record<number, TokenLogprob[]> = {};
  for (const s of TraceLogprobsSchema.parse(body).segments) {
    try {
      out[s.segment] = unpackLogprobs(logprobsFromBase64(s.packed));
    } catch {
      // left out: the view says nothing is recorded for that segment
    }
  }
  return out;
}

/**
 * The stored token probabilities of a trace, decoded per segment. Traces without any (older
 * traces, servers without logprobs) give {} — the views then say so instead of colouring.
 * `version` refetches after the trace changed.
 */
export function useStoredLogprobs(traceId: string, version: number): { logprobs: SegmentLogprobs; error?: string } {
  const [state, setState] = useState<{ key: string; logprobs: SegmentLogprobs; error?: string }>({ key: "", logprobs: NONE });
  const key = `${traceId}@${version}`;
  // External system: the server's stored probabilities.
  useEffect(() => {
    const ctl = new AbortController();
    fetch(`/api/traces/${encodeURIComponent(traceId)}/logprobs`, { signal: ctl.signal })
      .then(async (r) => {
        if (r.status === 404) return setState({ key, logprobs: NONE });
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        setState({ key, logprobs: decode(await r.json()) });
      })
      .catch((e: Error) => {
        if (!ctl.signal.aborted) setState({ key, logprobs: NONE, error: e.message });
      });
    return () => ctl.abort();
  }, [traceId, key]);
  return state.key === key ? state : { logprobs: state.logprobs };
}
