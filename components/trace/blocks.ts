/**
 * Incremental split of a model segment into display blocks (paragraphs and code blocks).
 * `advanceBlocks` only parses text after the last finished block, so a streaming segment costs
 * the same per chunk at character 100,000 as at character 100 and finished blocks keep their
 * identity (React skips them).
 */
export interface Block {
  kind: "text" | "code";
  text: string;
  /** Offset of the block in the segment text. */
  start: number;
}

export interface BlockParse {
  blocks: Block[];
  /** End of the last finished block; text after it is the live tail. */
  end: number;
  /** The tail is inside a python block. */
  inCode: boolean;
  /** Offset where the current code block's code begins (after its fence line). */
  codeStart: number;
}

export function initialParse(startsInCode: boolean): BlockParse {
  return { blocks: [], end: 0, inCode: startsInCode, codeStart: 0 };
}

const atLineStart = (text: string, i: number) => i === 0 || text[i - 1] === "\n";

export function advanceBlocks(prev: BlockParse, text: string): BlockParse {
  let { end, inCode, codeStart } = prev;
  let blocks = prev.blocks;
  const push = (b: Block) => {
    blocks = blocks === prev.blocks ? [...blocks, b] : (blocks.push(b), blocks);
  };
  for (;;) {
    if (inCode) {
      let close = -1;
      for (let i = text.indexOf("```", codeStart); i !== -1; i = text.indexOf("```", i + 3)) {
        if (atLineStart(text, i)) {
          close = i;
          break;
        }
      }
      if (close === -1) break;
      const nl = text.indexOf("\n", close);
      if (nl === -1) break;
      push({ kind: "code", text: text.slice(codeStart, close), start: codeStart });
      end = nl + 1;
      inCode = false;
      continue;
    }
    const para = text.indexOf("\n\n", end);
    let fence = -1;
    for (let i = text.indexOf("```", end); i !== -1; i = text.indexOf("```", i + 3)) {
      if (atLineStart(text, i)) {
        fence = i;
        break;
      }
    }
    const fenceLineEnd = fence === -1 ? -1 : text.indexOf("\n", fence);
    const isPython = fence !== -1 && fenceLineEnd !== -1 && /^```(python|py)[ \t]*$/.test(text.slice(fence, fenceLineEnd));
    if (isPython && (para === -1 || fence < para)) {
      if (fence > end) push({ kind: "text", text: text.slice(end, fence), start: end });
      inCode = true;
      codeStart = fenceLineEnd + 1;
      end = codeStart;
      continue;
    }
    if (para === -1) break;
    push({ kind: "text", text: text.slice(end, para + 2), start: end });
    end = para + 2;
  }
  if (blocks === prev.blocks && end === prev.end && inCode === prev.inCode) return prev;
  return { blocks, end, inCode, codeStart };
}
