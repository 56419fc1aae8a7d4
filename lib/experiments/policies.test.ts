import { describe, expect, it } from "vitest";
import { formatBudgetLabel, parseBudgetLabel, PolicySchema, splitPolicyLabels } from "@/lib/protocol";
import { parsePolicyLabel, parsePolicyList } from "./policies";

describe("budget policy labels", () => {
  it("parses min, max and word (default Wait), with , or : between options, and keeps the label verbatim", () => {
    expect(parsePolicyLabel("budget:min=1000,max=4000")).toEqual({ label: "budget:min=1000,max=4000", policy: { type: "budget", minThinking: 1000, maxThinking: 4000, word: "Wait" } });
    expect(parsePolicyLabel(" budget:min=10:max=20:word=Hmm ").policy).toEqual({ type: "budget", minThinking: 10, maxThinking: 20, word: "Hmm" });
    expect(parseBudgetLabel("budget:max=512")).toEqual({ type: "budget", minThinking: 0, maxThinking: 512, word: "Wait" });
    expect(parseBudgetLabel("budget:min=512")).toEqual({ type: "budget", minThinking: 512, word: "Wait" });
    expect(parseBudgetLabel("budget:min=5,max=5,word=But wait")).toMatchObject({ minThinking: 5, maxThinking: 5, word: "But wait" });
    // Every parsed policy is a valid stored policy.
    expect(PolicySchema.parse(parseBudgetLabel("budget:min=1,max=2,word=Hmm"))).toEqual(parseBudgetLabel("budget:min=1,max=2,word=Hmm"));
  });

  it("refuses bad labels with a message that says what to fix", () => {
    const cases: [string, RegExp][] = [
      ["budget", /give min and\/or max/],
      ["budget:", /give min and\/or max/],
      ["budget:min=abc,max=10", /min must be a whole number of thinking tokens from 0 to 1,000,000 \(got "abc"\)/],
      ["budget:min=-5", /min must be a whole number/],
      ["budget:max=1.5", /max must be a whole number/],
      ["budget:max=2000000", /max must be a whole number .* to 1,000,000/],
      ["budget:max=0", /max must be at least 1 thinking token/],
      ["budget:min=300,max=200", /min \(300\) is above max \(200\)/],
      ["budget:min=1,min=2", /min is given twice/],
      ["budget:min=1,tokens=2", /unknown option "tokens" \(min, max, word\)/],
      ["budget:min", /option "min" has no value/],
      ["budget:min=1,word=", /word must be 1 to 40 characters/],
      ["budget:min=1,word=" + "w".repeat(41), /word must be 1 to 40 characters/],
    ];
    for (const [label, message] of cases) {
      expect(() => parsePolicyLabel(label), label).toThrow(message);
      expect(() => parsePolicyLabel(label), label).toThrow(/expected budget:min=N,max=M\[,word=W\]/);
    }
  });

  it("lists split on commas, a budget label keeping its own options", () => {
    expect(splitPolicyLabels("greedy, budget:min=100,max=200,word=Hmm ,paper:rounds=2")).toEqual(["greedy", "budget:min=100,max=200,word=Hmm", "paper:rounds=2"]);
    expect(parsePolicyList("greedy,budget:min=100,max=200,budget:max=50,paper:rounds=1").map((p) => p.label)).toEqual(["greedy", "budget:min=100,max=200", "budget:max=50", "paper:rounds=1"]);
    // An option with no budget label before it is a label of its own, and wrong.
    expect(() => parsePolicyList("greedy,max=200")).toThrow(/policy "max=200": expected greedy/);
    expect(() => parsePolicyList("budget:max=10,budget:max=10")).toThrow(/listed twice/);
  });

  it("the paper policy cannot take the budget word as its hint", () => {
    expect(() => parsePolicyLabel("paper:hint=budget-wait")).toThrow(/budget-forcing word, not a tool hint; use budget:min=N,max=M/);
  });

  it("formats the canonical label, the word only when it is not Wait, and round-trips it", () => {
    for (const label of ["budget:min=100,max=200", "budget:min=0,max=64", "budget:min=7", "budget:min=1,max=9,word=Hmm"]) {
      expect(formatBudgetLabel(parseBudgetLabel(label))).toBe(label);
    }
    expect(formatBudgetLabel({ minThinking: 3, maxThinking: undefined, word: "Wait" })).toBe("budget:min=3");
  });
});
