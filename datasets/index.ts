/**
 * The problem sets hintlab ships, as data: real benchmark records, unchanged from their sources
 * (README.md here names them and their licences). lib/experiments/bundled.ts parses them with the
 * importer's own record parser and stores them as read-only datasets, so a new user can run an
 * experiment without importing anything. `key` is the stable name a release keeps for a set (the
 * CLI accepts it: `hintlab run --dataset aime24`); `idPrefix` makes problem ids unique across sets.
 */
import aime24 from "./aime24.json";
import amc23 from "./amc23.json";
import livecodebench from "./livecodebench-sample.json";
import mathSample from "./math-sample.json";

export interface BundledDatasetSource {
  key: string;
  name: string;
  /** Where the records come from (repository, path) — shown next to the dataset. */
  source: string;
  license: string;
  idPrefix: string;
  records: readonly unknown[];
}

export const BUNDLED_DATASET_SOURCES: readonly BundledDatasetSource[] = [
  { key: "aime24", name: "AIME 2024", source: "QwenLM/Qwen2.5-Math, evaluation/data/aime24/test.jsonl", license: "MIT", idPrefix: "aime24", records: aime24 },
  { key: "amc23", name: "AMC 2023", source: "QwenLM/Qwen2.5-Math, evaluation/data/amc23/test.jsonl", license: "MIT", idPrefix: "amc23", records: amc23 },
  {
    key: "math-sample",
    name: "MATH sample (Level 5)",
    source: "MATH problems of interp-reasoning/thought-anchors.com (src/app/data/deepseek-r1-distill-*)",
    license: "MIT",
    idPrefix: "math",
    records: mathSample,
  },
  { key: "livecodebench-sample", name: "LiveCodeBench sample", source: "rllm-org/rllm, rllm/data/test/code/livecodebench.json", license: "Apache-2.0", idPrefix: "lcb", records: livecodebench },
];
