import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sandboxFrameDocument } from "./frame-document";

const sha256 = (t: string) => createHash("sha256").update(t, "utf8").digest("base64");
const scripts = { frame: 'console.log("</script>");\n//# sourceMappingURL=hintlab-frame.js.map\n', worker: "postMessage(1)" };

describe("sandbox frame document", () => {
  it("allows exactly the Pyodide files of the page's host, and no eval", () => {
    const doc = sandboxFrameDocument("127.0.0.1:3000", scripts, sha256)!;
    const directives: Record<string, string[]> = Object.fromEntries(doc.csp.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));
    expect(directives["default-src"]).toEqual(["'none'"]);
    expect(directives["worker-src"]).toEqual(["blob:"]);
    expect(directives["script-src"]).not.toContain("'unsafe-eval'");
    expect(directives["script-src"]).not.toContain("'self'");
    for (const src of [...directives["connect-src"]!, ...directives["script-src"]!.filter((s) => s.startsWith("http"))]) {
      expect(src).toMatch(/^https?:\/\/127\.0\.0\.1:3000\/pyodide\/[\w.-]+$/); // a file, never a directory or /api
    }
  });

  it("inlines the relay script under its hash and carries the worker as inert text", () => {
    const doc = sandboxFrameDocument("localhost:3000", scripts, sha256)!;
    const inline = /<script type="module">([\s\S]*?)<\/script>/.exec(doc.html)![1]!;
    expect(inline).toBe('console.log("<\\/script>");');
    expect(doc.csp).toContain(`'sha256-${sha256(inline)}'`);
    expect(doc.html).toContain('<script type="text/plain" id="hintlab-worker-source">postMessage(1)</script>');
  });

  it("loads the scripts from the asset path when they are not available, and refuses odd hosts", () => {
    expect(sandboxFrameDocument("localhost:3000", undefined, sha256)!.html).toContain('<script type="module" src="/pyodide/hintlab-frame.js"></script>');
    for (const host of ["evil; script-src *", "a b", "", "x/y"]) expect(sandboxFrameDocument(host, scripts, sha256)).toBeUndefined();
  });
});
