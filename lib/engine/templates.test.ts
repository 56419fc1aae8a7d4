import { describe, expect, it } from "vitest";
import type { Problem } from "@/lib/protocol";
import { TEMPLATES, renderUserMessage } from "./templates";

const math: Problem = { id: "m", kind: "math", statement: "What is $1+1$?" };

describe("templates", () => {
  it("QwQ renders ChatML ending in an opened think block", () => {
    const p = TEMPLATES.qwq.render(renderUserMessage(math, "qwq"));
    expect(p).toBe(
      "<|im_start|>user\nWhat is $1+1$?\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n<|im_start|>assistant\n<think>\n",
    );
  });
  it("DeepSeek-R1 uses its special tokens (full-width bars, U+2581)", () => {
    const p = TEMPLATES["deepseek-r1"].render("hi");
    expect(p).toBe("<\uff5cbegin\u2581of\u2581sentence\uff5c><\uff5cUser\uff5c>hi<\uff5cAssistant\uff5c><think>\n");
  });
  it("raw sends the statement exactly as typed", () => {
    expect(TEMPLATES.raw.render(renderUserMessage(math, "raw"))).toBe("What is $1+1$?");
  });
  it("code problems get LiveCodeBench's instructions, with starter code when present", () => {
    const stdin = renderUserMessage({ id: "c", kind: "code", statement: "Sum two ints." }, "qwen3");
    expect(stdin).toContain("Read the inputs from stdin");
    const fn = renderUserMessage({ id: "c", kind: "code", statement: "Sum.", starterCode: "class Solution:\n    def f(self): pass" }, "qwen3");
    expect(fn).toContain("```python\nclass Solution:\n    def f(self): pass\n```");
  });
  it("every template's end-of-thinking marker is </think>", () => {
    for (const t of Object.values(TEMPLATES)) expect(t.endOfThinking).toBe("</think>");
  });
});
