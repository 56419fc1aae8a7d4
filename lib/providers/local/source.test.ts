// Model references from a browser or an API body cannot leave the models directory.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveBrowserModelRef, resolveLocalModel, resolveSessionModel } from "./source";

const setup = () => {
  const root = mkdtempSync(path.join(tmpdir(), "hintlab-models-"));
  const modelsDir = path.join(root, "models");
  mkdirSync(path.join(modelsDir, "owner", "repo"), { recursive: true });
  writeFileSync(path.join(modelsDir, "owner", "repo", "ok.gguf"), "GGUF");
  writeFileSync(path.join(root, "secret.gguf"), "GGUF");
  return { root, modelsDir };
};

describe("model references stay in the models directory", () => {
  it("refuses hf: owner, repo or revision that climb out (hf:../../x)", () => {
    const { modelsDir } = setup();
    for (const ref of ["hf:../../secret.gguf", "hf:../x/y.gguf", "hf:owner/../y.gguf", "hf:owner/repo@../../y.gguf", "hf:owner/repo/../../../secret.gguf", "hf:.../repo/x.gguf"]) {
      expect(() => resolveLocalModel(ref, { modelsDir }), ref).toThrow(/not a valid Hugging Face URI|refused/);
    }
    expect(resolveLocalModel("hf:owner/repo/ok.gguf", { modelsDir }).path).toBe(path.join(modelsDir, "owner", "repo", "ok.gguf"));
  });

  it("refuses absolute paths, .. and symlinks out of the cache; allows a cached file", () => {
    const { root, modelsDir } = setup();
    const opts = { modelsDir };
    expect(() => resolveBrowserModelRef(path.join(root, "secret.gguf"), opts)).toThrow(/may not be absolute/);
    expect(() => resolveBrowserModelRef("../secret.gguf", opts)).toThrow(/".."/);
    expect(() => resolveBrowserModelRef("owner/./repo/ok.gguf", opts)).toThrow();
    symlinkSync(path.join(root, "secret.gguf"), path.join(modelsDir, "link.gguf"));
    expect(() => resolveBrowserModelRef("link.gguf", opts)).toThrow(/symbolic link/);
    symlinkSync(root, path.join(modelsDir, "escape"));
    expect(() => resolveLocalModel("hf:escape/x/y.gguf", opts)).toThrow(/symbolic link/); // the download would be written through the link
    expect(() => resolveBrowserModelRef("escape/secret.gguf", opts)).toThrow(/symbolic link/);
    expect(resolveBrowserModelRef("owner/repo/ok.gguf", opts)?.path).toBe(path.join(modelsDir, "owner", "repo", "ok.gguf"));
  });

  it("a download target behind a symlinked folder is refused before anything is written, whether or not its subfolders exist", () => {
    const { root, modelsDir } = setup();
    symlinkSync(root, path.join(modelsDir, "evil"));
    expect(() => resolveLocalModel("hf:evil/repo/x.gguf", { modelsDir })).toThrow(/symbolic link/);
    mkdirSync(path.join(root, "repo"));
    expect(() => resolveLocalModel("hf:evil/repo/x.gguf", { modelsDir })).toThrow(/symbolic link/);
    expect(() => resolveLocalModel("hf:owner/new-repo/x.gguf", { modelsDir })).not.toThrow();
  });

  it("the session path turns refusals into a message that says what to choose", () => {
    const { modelsDir } = setup();
    expect(() => resolveSessionModel("../secret.gguf", { model: "hf:owner/repo/ok.gguf", modelsDir })).toThrow(/references may not be absolute/);
  });
});
