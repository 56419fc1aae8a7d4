/**
 * The "server went silent" timer of one stream, as one timer for the whole stream instead of a
 * clearTimeout + setTimeout per chunk (at 512 live sessions that is ~20,000 timer changes a
 * second on the event loop). `hold()` stops the clock while the consumer has a chunk (a slow
 * reader is not a silent server); `resume()` restarts it from zero. When the timer fires it
 * checks how long the stream has really been silent and sleeps again for the rest.
 */
export function idleWatch(timeoutMs: number, onSilent: () => void): { hold(): void; resume(): void; stop(): void } {
  let since = Date.now();
  let held = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number) => {
    timer = setTimeout(check, ms);
  };
  function check() {
    timer = undefined;
    if (held) return; // resume() re-arms
    const silent = Date.now() - since;
    if (silent >= timeoutMs) onSilent();
    else arm(timeoutMs - silent);
  }
  arm(timeoutMs);
  return {
    hold() {
      held = true;
    },
    resume() {
      held = false;
      since = Date.now();
      if (timer === undefined) arm(timeoutMs);
    },
    stop() {
      held = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
