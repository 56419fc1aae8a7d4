/** Half-streamed or malformed math falls back to its source in the text colour, never red; no \href, \url, \htmlData (trust: false). */
export const KATEX_OPTIONS = { throwOnError: false, errorColor: "inherit", strict: "ignore", trust: false, output: "htmlAndMathml" } as const;
