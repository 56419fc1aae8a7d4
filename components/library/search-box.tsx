"use client";

import { useEffect, useRef, useState } from "react";

const DEBOUNCE_MS = 300;

/**
 * The search input. The URL holds the query; the input keeps a draft while the user types and
 * writes it after a pause (each write is a server search). When the URL's value changes for
 * another reason (Back, a link), the draft follows it — adjusted during render, not in an effect.
 */
export function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  // The value this box last wrote: its echo through the URL must not overwrite newer typing.
  const [written, setWritten] = useState<string | null>(null);
  if (value !== seen) {
    setSeen(value);
    if (value !== written) {
      setDraft(value);
      setWritten(null);
    }
  }

  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // External system: the debounce timer, cancelled when the page goes away.
  useEffect(() => () => clearTimeout(timer.current), []);

  const write = (q: string) => {
    clearTimeout(timer.current);
    if (q.trim() === value.trim()) return;
    setWritten(q.trim());
    onSearch(q);
  };

  return (
    <input
      type="search"
      className="library-search"
      data-testid="trace-search"
      placeholder="Search problems and trace text…"
      aria-label="Search traces"
      value={draft}
      onChange={(e) => {
        const q = e.target.value;
        setDraft(q);
        clearTimeout(timer.current);
        timer.current = setTimeout(() => write(q), DEBOUNCE_MS);
      }}
      onKeyDown={(e) => {
        if (e.key === "Enter") write(draft);
        if (e.key === "Escape") e.currentTarget.blur();
      }}
    />
  );
}
