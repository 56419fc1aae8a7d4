"use client";

import { memo } from "react";
import { Fragment, jsx, jsxs } from "react/jsx-runtime";
import { createLowlight } from "lowlight";
import { toJsxRuntime } from "hast-util-to-jsx-runtime";
import python from "highlight.js/lib/languages/python";

const lowlight = createLowlight({ python });

/**
 * Python coloured by highlight.js (the same grammar rehype-highlight uses in Markdown). The
 * output's text is the code one for one, only split into coloured spans, so the block's offset tag
 * stays linear (dom-offsets.ts). Memoised: a finished block is highlighted once.
 */
export const PythonCode = memo(function PythonCode({ code }: { code: string }) {
  return toJsxRuntime(lowlight.highlight("python", code), { Fragment, jsx, jsxs });
});
