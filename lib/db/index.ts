/**
 * Server-side persistence. Today: user hints in a JSON file under the data directory
 * (HINTLAB_DATA_DIR, default ./data). Traces in SQLite arrive with the traces issue.
 */
export * from "./hint-store";
