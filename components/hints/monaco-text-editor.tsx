"use client";

import Editor, { loader } from "@monaco-editor/react";
import * as monaco from "monaco-editor";

// Monaco from the local package, never the CDN (the app must work offline). This module is only
// loaded on the client (next/dynamic with ssr: false) because monaco touches `window` at import.
loader.config({ monaco });
(self as unknown as { MonacoEnvironment: object }).MonacoEnvironment = {
  getWorker: () => new Worker(new URL("monaco-editor/esm/vs/editor/editor.worker.js", import.meta.url), { type: "module" }),
};

export default function MonacoTextEditor({
  value,
  onChange,
  language = "markdown",
  height = 220,
  testId,
}: {
  value: string;
  onChange: (v: string) => void;
  language?: string;
  height?: number;
  testId?: string;
}) {
  return (
    <div data-testid={testId} className="monaco-wrap">
      <Editor
        height={height}
        language={language}
        value={value}
        onChange={(v) => onChange(v ?? "")}
        options={{ minimap: { enabled: false }, wordWrap: "on", lineNumbers: "off", scrollBeyondLastLine: false, fontSize: 13, renderWhitespace: "boundary" }}
      />
    </div>
  );
}
