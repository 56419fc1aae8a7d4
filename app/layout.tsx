import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import "./globals.css";
import "./topnav.css";

export const metadata: Metadata = {
  title: "hintlab — Hint-infer playground",
  description: "Stream a reasoning model, pause at triggers, inject hints, run its Python in the page (START, Hint-infer).",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <a href="/" className="brand">
            hintlab
          </a>
          <nav className="topnav">
            <Link href="/">Playground</Link>
            <Link href="/traces">Traces</Link>
            <Link href="/experiments">Experiments</Link>
            <Link href="/datasets">Datasets</Link>
          </nav>
          <span className="muted small">Hint-infer playground · START: Self-taught Reasoner with Tools</span>
        </header>
        {children}
      </body>
    </html>
  );
}
