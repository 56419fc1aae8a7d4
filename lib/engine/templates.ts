import type { Problem, TemplateId } from "@/lib/protocol";

/**
 * A chat template renders the user's problem into the raw prompt a completions endpoint
 * continues. `assistantOpen` is what the prompt ends with inside the assistant turn (the
 * opened think tag), so chat-prefill providers can send it as the start of the assistant message.
 */
export interface ChatTemplate {
  id: TemplateId;
  label: string;
  render(userMessage: string): string;
  assistantOpen: string;
  /** Marker that closes the thinking; null when the template has none. */
  endOfThinking: string | null;
}

const THINK_OPEN = "<think>\n";
const THINK_CLOSE = "</think>";

export const TEMPLATES: Record<TemplateId, ChatTemplate> = {
  // QwQ-32B: ChatML; its generation prompt already opens the think block.
  qwq: {
    id: "qwq",
    label: "QwQ / Qwen ChatML",
    render: (user) => `<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n${THINK_OPEN}`,
    assistantOpen: THINK_OPEN,
    endOfThinking: THINK_CLOSE,
  },
  // Qwen3 in thinking mode: same ChatML; the model would open <think> itself, we pre-fill it so
  // the whole continuation is known to be thinking.
  qwen3: {
    id: "qwen3",
    label: "Qwen3 (thinking)",
    render: (user) => `<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n${THINK_OPEN}`,
    assistantOpen: THINK_OPEN,
    endOfThinking: THINK_CLOSE,
  },
  // DeepSeek-R1 and its distills: full-width bars and the ▁ (U+2581) in the special tokens.
  "deepseek-r1": {
    id: "deepseek-r1",
    label: "DeepSeek-R1 (and distills)",
    render: (user) => `<｜begin▁of▁sentence｜><｜User｜>${user}<｜Assistant｜>${THINK_OPEN}`,
    assistantOpen: THINK_OPEN,
    endOfThinking: THINK_CLOSE,
  },
  // Raw: the problem text is the prompt, exactly as typed (the user writes any template by hand).
  raw: {
    id: "raw",
    label: "Raw (prompt as typed)",
    render: (user) => user,
    assistantOpen: "",
    endOfThinking: THINK_CLOSE,
  },
};

export function getTemplate(id: TemplateId): ChatTemplate {
  return TEMPLATES[id];
}

const MATH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}.";
// LiveCodeBench's own generation instructions, so code problems are asked the way models were evaluated.
const CODE_STDIN_INSTRUCTION =
  "Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the sample inputs). Enclose your code within delimiters as follows. Ensure that when the python program runs, it reads the inputs, runs the algorithm and writes output to STDOUT.\n```python\n# YOUR CODE HERE\n```";
const CODE_STARTER_INSTRUCTION =
  "You will use the following starter code to write the solution to the problem and enclose your code within delimiters.";

/** The user turn for a problem: the statement plus the instruction its kind is usually asked with. */
export function renderUserMessage(problem: Problem, template: TemplateId): string {
  if (template === "raw") return problem.statement;
  switch (problem.kind) {
    case "math":
      return `${problem.statement}\n${MATH_INSTRUCTION}`;
    case "code":
      return problem.starterCode
        ? `${problem.statement}\n\n${CODE_STARTER_INSTRUCTION}\n\`\`\`python\n${problem.starterCode}\n\`\`\``
        : `${problem.statement}\n\n${CODE_STDIN_INSTRUCTION}`;
    case "free":
      return problem.statement;
  }
}
