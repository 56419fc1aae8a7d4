"use client";

import Editor from "@monaco-editor/react";
import "@/components/ui/monaco-setup";

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
