/**
 * Writes a tiny random-weight llama-architecture GGUF (v3) that node-llama-cpp loads for real:
 * a GPT-2 byte-level BPE vocabulary (every byte is a token, so any text tokenizes), ChatML
 * control tokens, `<think>`/`</think>` as user-defined tokens, a ChatML `tokenizer.chat_template`,
 * and random F32 weights. Its text is noise; it exists so tests and benchmarks can exercise the
 * local provider (load, stream, stops, KV reuse) without downloading a model.
 *
 * Defaults give a 471 KB file that generates ~1,900 tokens/s on one thread. CLI:
 *   node --import tsx lib/providers/testing/tiny-gguf.ts out.gguf [--layers 2] [--embd 64] [--heads 4] [--ff 128] [--ctx 4096] [--seed 1]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

export interface TinyGgufOptions {
  layers?: number;
  embd?: number;
  heads?: number;
  ff?: number;
  /** `llama.context_length`: the largest context the model claims; the bench needs 32k+. */
  ctx?: number;
  seed?: number;
  /** Leave out `tokenizer.chat_template`, to test the fallback to the template setting. */
  noChatTemplate?: boolean;
  name?: string;
}

export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Token ids of the special tokens in every tiny GGUF (after 256 bytes and 5 merges). */
export const TINY_SPECIAL_IDS = { "<|endoftext|>": 261, "<|im_start|>": 262, "<|im_end|>": 263, "<think>": 264, "</think>": 265 } as const;

/** Build the file's bytes. */
export function tinyGguf(options: TinyGgufOptions = {}): Buffer {
  const N_LAYER = options.layers ?? 2;
  const N_EMBD = options.embd ?? 64;
  const N_HEAD = options.heads ?? 4;
  const N_FF = options.ff ?? 128;
  const N_CTX = options.ctx ?? 4096;
  let seed = (options.seed ?? 1) >>> 0;
  // LCG: the same options always give the same bytes.
  const rand = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296;
  };

  // GPT-2 bytes_to_unicode: each byte has a printable stand-in character in the vocabulary.
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const byteToUni = new Map(bs.map((b, i) => [b, String.fromCodePoint(cs[i]!)]));
  const tokens: string[] = [];
  const types: number[] = []; // 1 normal, 3 control, 4 user-defined
  for (let b = 0; b < 256; b++) {
    tokens.push(byteToUni.get(b)!);
    types.push(1);
  }
  const merges = ["Ġ t", "h e", "i n", "Ġ a", "e r"];
  for (const m of merges) {
    tokens.push(m.replace(" ", ""));
    types.push(1);
  }
  for (const [s, t] of [["<|endoftext|>", 3], ["<|im_start|>", 3], ["<|im_end|>", 3], ["<think>", 4], ["</think>", 4]] as const) {
    tokens.push(s);
    types.push(t);
  }
  const ids = TINY_SPECIAL_IDS;

  const T = { U32: 4, I32: 5, F32: 6, BOOL: 7, STR: 8, ARR: 9, U64: 10 } as const;
  const chunks: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    chunks.push(b);
  };
  const i32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    chunks.push(b);
  };
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    chunks.push(b);
  };
  const f32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    chunks.push(b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, "utf8");
    u64(b.length);
    chunks.push(b);
  };
  const write = (type: number, v: unknown) => {
    if (type === T.U32) u32(v as number);
    else if (type === T.I32) i32(v as number);
    else if (type === T.F32) f32(v as number);
    else if (type === T.STR) str(v as string);
    else if (type === T.BOOL) chunks.push(Buffer.from([v ? 1 : 0]));
  };

  const kv: [string, number, unknown][] = [
    ["general.architecture", T.STR, "llama"],
    ["general.name", T.STR, options.name ?? "hintlab-tiny-random"],
    ["general.alignment", T.U32, 32],
    ["general.file_type", T.U32, 0], // ALL_F32
    ["llama.context_length", T.U32, N_CTX],
    ["llama.embedding_length", T.U32, N_EMBD],
    ["llama.block_count", T.U32, N_LAYER],
    ["llama.feed_forward_length", T.U32, N_FF],
    ["llama.attention.head_count", T.U32, N_HEAD],
    ["llama.attention.head_count_kv", T.U32, N_HEAD],
    ["llama.attention.layer_norm_rms_epsilon", T.F32, 1e-5],
    ["llama.rope.dimension_count", T.U32, N_EMBD / N_HEAD],
    ["llama.rope.freq_base", T.F32, 10000],
    ["llama.vocab_size", T.U32, tokens.length],
    ["tokenizer.ggml.model", T.STR, "gpt2"],
    ["tokenizer.ggml.pre", T.STR, "default"],
    ["tokenizer.ggml.tokens", T.ARR, [T.STR, tokens]],
    ["tokenizer.ggml.token_type", T.ARR, [T.I32, types]],
    ["tokenizer.ggml.merges", T.ARR, [T.STR, merges]],
    ["tokenizer.ggml.bos_token_id", T.U32, ids["<|endoftext|>"]],
    ["tokenizer.ggml.eos_token_id", T.U32, ids["<|im_end|>"]],
    ["tokenizer.ggml.padding_token_id", T.U32, ids["<|endoftext|>"]],
    ["tokenizer.ggml.add_bos_token", T.BOOL, false],
    ...(options.noChatTemplate ? [] : [["tokenizer.chat_template", T.STR, TINY_CHAT_TEMPLATE] as [string, number, unknown]]),
  ];

  // GGUF dims are ne0-first (ne0 = row length).
  const tensors: { name: string; dims: number[]; ones: boolean; count: number; offset: number }[] = [];
  const add = (name: string, dims: number[], ones = false) => tensors.push({ name, dims, ones, count: 0, offset: 0 });
  add("token_embd.weight", [N_EMBD, tokens.length]);
  for (let l = 0; l < N_LAYER; l++) {
    add(`blk.${l}.attn_norm.weight`, [N_EMBD], true);
    for (const m of ["q", "k", "v", "output"]) add(`blk.${l}.attn_${m}.weight`, [N_EMBD, N_EMBD]);
    add(`blk.${l}.ffn_norm.weight`, [N_EMBD], true);
    add(`blk.${l}.ffn_gate.weight`, [N_EMBD, N_FF]);
    add(`blk.${l}.ffn_up.weight`, [N_EMBD, N_FF]);
    add(`blk.${l}.ffn_down.weight`, [N_FF, N_EMBD]);
  }
  add("output_norm.weight", [N_EMBD], true);
  add("output.weight", [N_EMBD, tokens.length]);

  const ALIGN = 32;
  const alignUp = (x: number) => Math.ceil(x / ALIGN) * ALIGN;
  u32(0x46554747); // "GGUF"
  u32(3);
  u64(tensors.length);
  u64(kv.length);
  for (const [key, type, value] of kv) {
    str(key);
    u32(type);
    if (type === T.ARR) {
      const [elementType, items] = value as [number, unknown[]];
      u32(elementType);
      u64(items.length);
      for (const item of items) write(elementType, item);
    } else {
      write(type, value);
    }
  }
  let offset = 0;
  for (const t of tensors) {
    t.count = t.dims.reduce((a, b) => a * b, 1);
    t.offset = offset;
    offset = alignUp(offset + t.count * 4);
    str(t.name);
    u32(t.dims.length);
    for (const d of t.dims) u64(d);
    u32(0); // GGML_TYPE_F32
    u64(t.offset);
  }
  const header = Buffer.concat(chunks);
  const headerPadded = Buffer.alloc(alignUp(header.length));
  header.copy(headerPadded);
  const data = Buffer.alloc(offset);
  for (const t of tensors) {
    const scale = 1 / Math.sqrt(t.dims[0]!);
    for (let i = 0; i < t.count; i++) data.writeFloatLE(t.ones ? 1 : (rand() * 2 - 1) * scale * 1.7, t.offset + i * 4);
  }
  return Buffer.concat([headerPadded, data]);
}

/** Write a tiny GGUF to `path` (parent folders created); returns its size in bytes. */
export function writeTinyGguf(path: string, options: TinyGgufOptions = {}): number {
  const bytes = tinyGguf(options);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return bytes.length;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const out = args.find((a, i) => !a.startsWith("--") && !(args[i - 1] ?? "").startsWith("--")) ?? "tiny.gguf";
  const opt = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const bytes = writeTinyGguf(out, { layers: opt("layers"), embd: opt("embd"), heads: opt("heads"), ff: opt("ff"), ctx: opt("ctx"), seed: opt("seed") });
  console.log(JSON.stringify({ out, bytes }));
}
