"use client";

import { useRef } from "react";
import { DiffEditor } from "@monaco-editor/react";
import "@/components/ui/monaco-setup";

/**
 * The edit dialog's diff editor. It takes the focus when it opens (the dialog is reached with `e`
 * from the keyboard); Ctrl/Cmd+Enter submits (`onSubmit`), Escape closes (`onCancel`).
 */
export default function MonacoDiff({
  original,
  modified,
  onChange,
  onSubmit,
  onCancel,
}: {
  original: string;
  modified: string;
  onChange: (v: string) => void;
  onSubmit?: () => void;
  onCancel?: () => void;
}) {
  // The editor keeps the commands it got at mount: they call the latest handlers through refs.
  const handlers = useRef({ onSubmit, onCancel });
  handlers.current = { onSubmit, onCancel };
  return (
    <div data-testid="edit-diff" className="monaco-wrap">
      <DiffEditor
        height={320}
        language="markdown"
        original={original}
        modified={modified}
        onMount={(editor, monaco) => {
          const model = editor.getModifiedEditor();
          model.onDidChangeModelContent(() => onChange(model.getValue()));
          model.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => handlers.current.onSubmit?.());
          // Escape first closes Monaco's own widgets (find, suggestions); with none open it closes the dialog.
          model.addCommand(monaco.KeyCode.Escape, () => handlers.current.onCancel?.(), "!findWidgetVisible && !suggestWidgetVisible");
          model.focus();
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
