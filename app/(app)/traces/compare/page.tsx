import type { Metadata } from "next";
import Link from "next/link";
import { CompareView } from "@/components/library/compare-view";

export const metadata: Metadata = { title: "Compare branches — hintlab" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ComparePage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const a = typeof sp.a === "string" ? sp.a : "";
  const b = typeof sp.b === "string" ? sp.b : "";
  return (
    <main className="compare-page">
      <h2>
        Compare branches <Link href="/traces" className="small">← all traces</Link>
      </h2>
      {a && b ? (
        // Keyed by the pair: another pair starts from a clean slate (no stale half-loaded view).
        <CompareView key={`${a}\n${b}`} a={a} b={b} />
      ) : (
        <p className="muted">Pick two traces in a fork tree and press Compare (the URL takes ?a=ID&amp;b=ID).</p>
      )}
    </main>
  );
}
