"use client";

import dynamic from "next/dynamic";

/** Monaco, client-only; a plain textarea stands in while it loads. */
export const HintTextEditor = dynamic(() => import("./monaco-text-editor"), {
  ssr: false,
  loading: () => <textarea className="editor-loading" readOnly value="Loading editor…" rows={8} />,
});
