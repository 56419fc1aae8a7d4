/**
 * The Hint-infer engine: a pure state machine (`reduce(state, input) => state`) plus selectors.
 * No I/O, timers, clocks or randomness inside: inputs carry timestamps, ids are counters, the
 * policy's random draws come from a seeded generator in the state. See README.md for the diagram.
 */
export * from "./engine";
export * from "./selectors";
export * from "./templates";
export * from "./scan";
export { nextRandom } from "./rng";
export * from "./restore";
export * from "./logprobs";
export * from "./branch";
export * from "./edited";
export * from "./edit-fork";
