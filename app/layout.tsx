import type { Metadata } from "next";
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
      <body>{children}</body>
    </html>
  );
}
