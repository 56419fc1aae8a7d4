import type { Metadata } from "next";
import { Suspense } from "react";
import { TraceLibrary } from "@/components/library/trace-library";

export const metadata: Metadata = { title: "Traces — hintlab" };

// useSearchParams needs a Suspense boundary: the list renders in the browser from the URL.
export default function TracesPage() {
  return (
    <Suspense fallback={<main className="library muted">Loading traces…</main>}>
      <TraceLibrary />
    </Suspense>
  );
}
