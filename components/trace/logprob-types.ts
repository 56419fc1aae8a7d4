/** Token log-probabilities as lib/protocol defines them (one import for the trace views). */
export type { TokenAlternative, TokenLogprob } from "@/lib/protocol";
