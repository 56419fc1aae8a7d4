/**
 * Sweeps, the pure core (issue 11): plan a spec against its source trace into items (arm ×
 * position × sample, seed = base + sample so arms pair by seed), find the positions of a position
 * sweep with the engine's own scanner, say what is left to run, and summarise graded outcomes
 * (Wilson intervals, exact McNemar and Newcombe's paired difference against `none`). No I/O.
 */
export * from "./plan";
export * from "./positions";
export * from "./stats";
export * from "./summary";
