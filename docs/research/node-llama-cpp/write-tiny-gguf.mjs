// Writes a tiny random-weight llama-architecture GGUF (v3) with a byte-level gpt2 BPE vocab.
// usage: node write-tiny-gguf.mjs [out.gguf] [--layers 2] [--embd 64] [--heads 4] [--ff 128] [--ctx 512] [--seed 1]
import fs from "node:fs";

const args = process.argv.slice(2);
const out = args.find((a, i) => !a.startsWith("--") && !(args[i - 1] ?? "").startsWith("--")) ?? "tiny.gguf";
const opt = (name, def) => { const i = args.indexOf("--" + name); return i >= 0 ? Number(args[i + 1]) : def; };
const N_LAYER = opt("layers", 2), N_EMBD = opt("embd", 64), N_HEAD = opt("heads", 4), N_FF = opt("ff", 128), N_CTX = opt("ctx", 512);
let seed = opt("seed", 1) >>> 0;
const rand = () => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 4294967296; }; // LCG, deterministic

// ---- vocab: gpt2 byte-level (bytes_to_unicode) + a few merges + special tokens
const bs = [];
for (let b = 33; b <= 126; b++) bs.push(b);
for (let b = 161; b <= 172; b++) bs.push(b);
for (let b = 174; b <= 255; b++) bs.push(b);
const cs = bs.slice(); let n = 0;
for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n); n++; }
const byteToUni = new Map(bs.map((b, i) => [b, String.fromCodePoint(cs[i])]));
const tokens = [], types = []; // 1 normal, 3 control, 4 user-defined
for (let b = 0; b < 256; b++) { tokens.push(byteToUni.get(b)); types.push(1); }
const merges = ["Ġ t", "h e", "i n", "Ġ a", "e r"];
for (const m of merges) { tokens.push(m.replace(" ", "")); types.push(1); }
const specials = [["<|endoftext|>", 3], ["<|im_start|>", 3], ["<|im_end|>", 3], ["<think>", 4], ["</think>", 4]];
const specialIds = {};
for (const [s, t] of specials) { specialIds[s] = tokens.length; tokens.push(s); types.push(t); }
const N_VOCAB = tokens.length;

const chatTemplate = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// ---- GGUF encoding helpers
const T = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STR: 8, ARR: 9, U64: 10, I64: 11, F64: 12 };
const chunks = [];
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); chunks.push(b); };
const i32 = (v) => { const b = Buffer.alloc(4); b.writeInt32LE(v); chunks.push(b); };
const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); chunks.push(b); };
const f32 = (v) => { const b = Buffer.alloc(4); b.writeFloatLE(v); chunks.push(b); };
const str = (s) => { const b = Buffer.from(s, "utf8"); u64(b.length); chunks.push(b); };
const writers = { [T.U32]: u32, [T.I32]: i32, [T.F32]: f32, [T.STR]: str, [T.U64]: u64, [T.BOOL]: (v) => chunks.push(Buffer.from([v ? 1 : 0])) };

const kv = [
  ["general.architecture", T.STR, "llama"],
  ["general.name", T.STR, "hintlab-tiny-random"],
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
  ["llama.vocab_size", T.U32, N_VOCAB],
  ["tokenizer.ggml.model", T.STR, "gpt2"],
  ["tokenizer.ggml.pre", T.STR, "default"],
  ["tokenizer.ggml.tokens", T.ARR, [T.STR, tokens]],
  ["tokenizer.ggml.token_type", T.ARR, [T.I32, types]],
  ["tokenizer.ggml.merges", T.ARR, [T.STR, merges]],
  ["tokenizer.ggml.bos_token_id", T.U32, specialIds["<|endoftext|>"]],
  ["tokenizer.ggml.eos_token_id", T.U32, specialIds["<|im_end|>"]],
  ["tokenizer.ggml.padding_token_id", T.U32, specialIds["<|endoftext|>"]],
  ["tokenizer.ggml.add_bos_token", T.BOOL, false],
  ["tokenizer.chat_template", T.STR, chatTemplate],
];

// tensors: GGUF dims are ne0-first (ne0 = input/row length). F32 only.
const tensors = [];
const addT = (name, dims, init) => tensors.push({ name, dims, init });
addT("token_embd.weight", [N_EMBD, N_VOCAB], "rand");
for (let l = 0; l < N_LAYER; l++) {
  addT(`blk.${l}.attn_norm.weight`, [N_EMBD], "ones");
  addT(`blk.${l}.attn_q.weight`, [N_EMBD, N_EMBD], "rand");
  addT(`blk.${l}.attn_k.weight`, [N_EMBD, N_EMBD], "rand");
  addT(`blk.${l}.attn_v.weight`, [N_EMBD, N_EMBD], "rand");
  addT(`blk.${l}.attn_output.weight`, [N_EMBD, N_EMBD], "rand");
  addT(`blk.${l}.ffn_norm.weight`, [N_EMBD], "ones");
  addT(`blk.${l}.ffn_gate.weight`, [N_EMBD, N_FF], "rand");
  addT(`blk.${l}.ffn_up.weight`, [N_EMBD, N_FF], "rand");
  addT(`blk.${l}.ffn_down.weight`, [N_FF, N_EMBD], "rand");
}
addT("output_norm.weight", [N_EMBD], "ones");
addT("output.weight", [N_EMBD, N_VOCAB], "rand");

const ALIGN = 32;
const alignUp = (x) => Math.ceil(x / ALIGN) * ALIGN;

// header
u32(0x46554747); // "GGUF" little-endian
u32(3);
u64(tensors.length);
u64(kv.length);
for (const [key, type, val] of kv) {
  str(key); u32(type);
  if (type === T.ARR) { const [et, arr] = val; u32(et); u64(arr.length); for (const v of arr) writers[et](v); }
  else writers[type](val);
}
let off = 0;
for (const t of tensors) {
  t.count = t.dims.reduce((a, b) => a * b, 1);
  t.offset = off;
  off = alignUp(off + t.count * 4);
  str(t.name); u32(t.dims.length); for (const d of t.dims) u64(d); u32(0 /* GGML_TYPE_F32 */); u64(t.offset);
}
let header = Buffer.concat(chunks);
const headerPadded = Buffer.alloc(alignUp(header.length)); header.copy(headerPadded);
const data = Buffer.alloc(off);
for (const t of tensors) {
  const scale = 1 / Math.sqrt(t.dims[0]);
  for (let i = 0; i < t.count; i++)
    data.writeFloatLE(t.init === "ones" ? 1 : (rand() * 2 - 1) * scale * 1.7, t.offset + i * 4);
}
fs.writeFileSync(out, Buffer.concat([headerPadded, data]));
console.log(JSON.stringify({ out, bytes: headerPadded.length + data.length, nVocab: N_VOCAB, specialIds, layers: N_LAYER, embd: N_EMBD }));
