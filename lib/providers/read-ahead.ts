import "server-only";

/** Bytes of a response read ahead of its consumer: ~5,000 tokens of vLLM SSE, small next to a trace. */
export const READ_AHEAD_BYTES = 1 << 20;

/**
 * The response with a body that keeps every byte that arrived before the connection broke.
 *
 * fetch's body stream is errored the moment the socket fails, and erroring a ReadableStream
 * discards the chunks queued in it. generateStream is pull-based, so while the browser is behind,
 * the provider is not reading: text that reached this server would be dropped by a later cut
 * (issue 10). This body reads the network ahead of its consumer (up to `limitBytes`, so a stalled
 * reader still slows the upstream read) and reports a failure only once the bytes before it are
 * consumed. An abort is reported at once: nobody wants the text after it.
 */
export function keepReceivedBytes(response: Response, signal: AbortSignal | null | undefined, limitBytes = READ_AHEAD_BYTES): Response {
  const source = response.body;
  if (!source) return response;
  const reader = source.getReader();
  let failure: { error: unknown } | undefined;
  let stop = (_error: unknown) => {};
  const onAbort = () => stop(signal?.reason);
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stop = (error) => {
          signal?.removeEventListener("abort", onAbort);
          try {
            controller.error(error); // drops what is queued, which is the point after an abort
          } catch {
            /* already closed or errored */
          }
        };
        signal?.addEventListener("abort", onAbort, { once: true });
      },
      async pull(controller) {
        if (failure) {
          // Called again after each read; the queue is empty when the whole allowance is free.
          if (controller.desiredSize === limitBytes) stop(failure.error);
          return;
        }
        try {
          const { done, value } = await reader.read();
          if (done) {
            signal?.removeEventListener("abort", onAbort);
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          if (signal?.aborted || controller.desiredSize === limitBytes) stop(error);
          else failure = { error };
        }
      },
      cancel: (reason) => {
        signal?.removeEventListener("abort", onAbort);
        return reader.cancel(reason);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: limitBytes }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
