"use client";

import Editor from "@monaco-editor/react";
import { useState } from "react";
import "@/components/ui/monaco-setup";

export default function MonacoTextEditor({
  value,
  onChange,
  language = "markdown",
  height = 220,
  compactHeight,
  testId,
}: {
  value: string;
  onChange: (v: string) => void;
  language?: string;
  height?: number;
  /**
   * Height until the editor is first focused (then `height`). It stays tall once grown: shrinking
   * on blur would move the buttons under the pointer between mousedown and click.
   */
  compactHeight?: number;
  testId?: string;
}) {
  const [grown, setGrown] = useState(compactHeight === undefined);
  return (
    <div data-testid={testId} className={grown ? "monaco-wrap" : "monaco-wrap compact"} data-expanded={grown}>
      <Editor
        height={grown ? height : compactHeight}
        language={language}
        value={value}
        onChange={(v) => onChange(v ?? "")}
        onMount={(editor) => {
          if (!grown) editor.onDidFocusEditorText(() => setGrown(true));
        }}
        options={{ minimap: { enabled: false }, wordWrap: "on", lineNumbers: "off", scrollBeyondLastLine: false, fontSize: 13, renderWhitespace: "boundary" }}
      />
    </div>
  );
}
