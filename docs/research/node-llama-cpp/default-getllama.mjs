import { getLlama } from "node-llama-cpp";
const t = performance.now();
const llama = await getLlama();
console.log("default getLlama ms", (performance.now() - t).toFixed(0), "gpu", llama.gpu, "buildType", llama.buildType);
