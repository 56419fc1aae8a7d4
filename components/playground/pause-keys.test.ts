import { describe, expect, it } from "vitest";
import { pauseCommandOf, type KeyFocus } from "./pause-keys";

const press = (key: string, focus: KeyFocus = "page", mods: { ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean; repeat?: boolean } = {}) => pauseCommandOf({ key, ...mods }, focus);

describe("pauseCommandOf", () => {
  it("maps 1–9 to the Nth hint, Enter to inject, c to continue, s to step, Esc to stop", () => {
    expect(["1", "2", "9"].map((k) => press(k))).toEqual([
      { type: "pick", index: 0 },
      { type: "pick", index: 1 },
      { type: "pick", index: 8 },
    ]);
    expect(press("Enter")).toEqual({ type: "inject" });
    expect(press("c")).toEqual({ type: "continue" });
    expect(press("s")).toEqual({ type: "step" });
    expect(press("Escape")).toEqual({ type: "stop" });
    expect(["0", "p", "x", "ArrowDown", " "].map((k) => press(k))).toEqual([null, null, null, null, null]);
  });

  it("leaves every key to inputs and editors (Enter in the hint editor is a newline) and to elements with keys of their own", () => {
    for (const focus of ["typing", "own-keys"] as const) {
      expect(["1", "Enter", "c", "s", "Escape"].map((k) => press(k, focus))).toEqual([null, null, null, null, null]);
    }
  });

  it("lets Enter activate a focused button, except a hint of the picker, where it injects", () => {
    expect(press("Enter", "button")).toBeNull();
    expect(press("Enter", "hint-option")).toEqual({ type: "inject" });
    expect(press("c", "button")).toEqual({ type: "continue" });
    expect(press("2", "hint-option")).toEqual({ type: "pick", index: 1 });
  });

  it("ignores shortcuts with modifiers (ctrl+c copies) and held-down keys", () => {
    expect(press("c", "page", { ctrlKey: true })).toBeNull();
    expect(press("s", "page", { metaKey: true })).toBeNull();
    expect(press("1", "page", { altKey: true })).toBeNull();
    expect(press("c", "page", { repeat: true })).toBeNull();
  });
});
