"use client";

import { DiffEditor } from "@monaco-editor/react";
import "@/components/ui/monaco-setup";

export default function MonacoDiff({ original, modified, onChange }: { original: string; modified: string; onChange: (v: string) => void }) {
  return (
    <div data-testid="edit-diff" className="monaco-wrap">
      <DiffEditor
        height={320}
        language="markdown"
        original={original}
        modified={modified}
        onMount={(editor) => {
          const model = editor.getModifiedEditor();
          model.onDidChangeModelContent(() => onChange(model.getValue()));
        }}
        // Keep the models: unmounting disposes them otherwise before the widget resets (a known
        // @monaco-editor/react DiffEditor error on close).
        keepCurrentOriginalModel
        keepCurrentModifiedModel
        options={{ renderSideBySide: true, wordWrap: "on", minimap: { enabled: false }, originalEditable: false }}
      />
    </div>
  );
}
