/** Versioned schema migrations, applied in order at start (see sqlite.ts). Never edit a released one: add the next. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "traces",
    sql: `
      CREATE TABLE traces (
        id TEXT PRIMARY KEY,
        problem_id TEXT NOT NULL,
        problem TEXT NOT NULL,
        parent_id TEXT REFERENCES traces(id) ON DELETE SET NULL,
        fork_at TEXT,
        config TEXT NOT NULL,
        status TEXT NOT NULL,
        answer TEXT,
        verdict TEXT,
        review_status TEXT NOT NULL DEFAULT 'unreviewed',
        review_note TEXT,
        review_author TEXT,
        review_at INTEGER,
        model TEXT NOT NULL,
        policy TEXT NOT NULL,
        dataset TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        hints_used TEXT NOT NULL DEFAULT '',
        tool_calls INTEGER NOT NULL DEFAULT 0,
        tokens INTEGER NOT NULL DEFAULT 0,
        chars INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX traces_created ON traces (created_at DESC, id);
      CREATE INDEX traces_parent ON traces (parent_id);
      CREATE INDEX traces_verdict ON traces (verdict, created_at DESC);
      CREATE INDEX traces_review ON traces (review_status, created_at DESC);
      CREATE INDEX traces_model ON traces (model, created_at DESC);
      CREATE INDEX traces_dataset ON traces (dataset, created_at DESC);
      CREATE TABLE segments (
        trace_id TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (trace_id, idx)
      ) WITHOUT ROWID;
      CREATE TABLE events (
        trace_id TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (trace_id, idx)
      ) WITHOUT ROWID;
      CREATE TABLE annotations (
        id TEXT PRIMARY KEY,
        trace_id TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
        json TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX annotations_trace ON annotations (trace_id, created_at);
      CREATE TABLE edits (
        id TEXT PRIMARY KEY,
        trace_id TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
        json TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX edits_trace ON edits (trace_id, created_at);
      -- Full-text search over problem and trace text (contentless: the text lives in segments).
      CREATE VIRTUAL TABLE trace_search USING fts5 (problem, body, content='', contentless_delete=1, tokenize='unicode61');
      CREATE TABLE trace_search_map (trace_id TEXT PRIMARY KEY REFERENCES traces(id) ON DELETE CASCADE, rowid_ INTEGER NOT NULL UNIQUE);
    `,
  },
  {
    version: 2,
    name: "sort indexes",
    // The library sorts by these columns; without indexes a deep page at 10,000 traces scans and sorts everything.
    sql: `
      CREATE INDEX traces_updated ON traces (updated_at DESC, id);
      CREATE INDEX traces_tokens ON traces (tokens DESC, id);
      CREATE INDEX traces_tool_calls ON traces (tool_calls DESC, id);
      CREATE INDEX traces_chars ON traces (chars DESC, id);
    `,
  },
  {
    version: 3,
    name: "datasets and experiments",
    // Items are keyed by (experiment, problem, policy, sample): a resumed run skips finished keys.
    sql: `
      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        problem_count INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX datasets_created ON datasets (created_at DESC);
      CREATE TABLE problems (
        dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        problem_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (dataset_id, idx),
        UNIQUE (dataset_id, problem_id)
      );
      CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        dataset_id TEXT NOT NULL REFERENCES datasets(id),
        spec TEXT NOT NULL,
        status TEXT NOT NULL,
        heartbeat_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX experiments_created ON experiments (created_at DESC);
      CREATE TABLE experiment_items (
        experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        problem_id TEXT NOT NULL,
        problem_idx INTEGER NOT NULL,
        policy TEXT NOT NULL,
        sample INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        trace_id TEXT REFERENCES traces(id) ON DELETE SET NULL,
        verdict TEXT,
        answer TEXT,
        tokens INTEGER NOT NULL DEFAULT 0,
        tool_calls INTEGER NOT NULL DEFAULT 0,
        hints TEXT NOT NULL DEFAULT '[]',
        duration_ms REAL NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (experiment_id, problem_id, policy, sample)
      ) WITHOUT ROWID;
      CREATE INDEX experiment_items_status ON experiment_items (experiment_id, status);
    `,
  },
  {
    version: 4,
    name: "accounts, sessions and model connections",
    // Tokens (sessions, one-time sign-in links) are stored as SHA-256 hashes: a copy of the
    // database does not sign anyone in. Connection API keys never leave the server.
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'researcher', 'annotator')),
        password_hash TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX sessions_user ON sessions (user_id);
      CREATE TABLE sign_in_links (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE connections (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        provider TEXT NOT NULL,
        base_url TEXT NOT NULL,
        model TEXT,
        template TEXT,
        api_key TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: "run owners and live-writer leases",
    // Every process that runs something (a server, a CLI run) registers as an owner; a run
    // whose owner is gone is interrupted at once (see owners.ts). A live trace has one writer
    // at a time: the lease token, the highest sequence number it wrote, and when it last spoke.
    sql: `
      CREATE TABLE owners (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      );
      ALTER TABLE traces ADD COLUMN writer_lease TEXT;
      ALTER TABLE traces ADD COLUMN writer_seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE traces ADD COLUMN writer_owner TEXT;
      ALTER TABLE traces ADD COLUMN writer_at INTEGER;
      ALTER TABLE experiments ADD COLUMN owner_id TEXT;
    `,
  },
  {
    version: 6,
    name: "token probabilities per segment",
    // One packed blob (lib/protocol/logprobs.ts) per part: a live run appends a part per save,
    // starting at char offset `start` of the segment; reads join the parts in order. `last_start`
    // lets a save that replaces tokens from an offset on find the one part it cuts into.
    sql: `
      CREATE TABLE segment_logprobs (
        trace_id TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
        segment INTEGER NOT NULL,
        start INTEGER NOT NULL,
        last_start INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        packed BLOB NOT NULL,
        PRIMARY KEY (trace_id, segment, start)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: "sweeps",
    // A sweep (issue 11): its spec, the plan's arms and positions as they were when it was
    // created (a resume re-plans and must agree), and one row per planned item. Everything shown
    // (the grid, positions, cost) is computed from the item rows.
    sql: `
      CREATE TABLE sweeps (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        trace_id TEXT NOT NULL,
        spec TEXT NOT NULL,
        plan TEXT NOT NULL,
        run TEXT NOT NULL,
        status TEXT NOT NULL,
        heartbeat_at INTEGER,
        owner_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX sweeps_created ON sweeps (created_at DESC, id);
      CREATE TABLE sweep_items (
        sweep_id TEXT NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        arm TEXT NOT NULL,
        position INTEGER NOT NULL,
        sample INTEGER NOT NULL,
        seed INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        trace_id TEXT,
        outcome TEXT,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        cached_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        prefix_tokens INTEGER,
        tokens_evaluated INTEGER,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (sweep_id, item_id)
      ) WITHOUT ROWID;
      CREATE INDEX sweep_items_order ON sweep_items (sweep_id, idx);
    `,
  },
  {
    version: 8,
    name: "bundled datasets",
    // The problem sets hintlab ships (datasets/) are stored as dataset rows marked with their key
    // (lib/experiments/bundled.ts seeds them); NULL for a user's import. Bundled rows are read-only
    // and an import never resolves to one.
    sql: `
      ALTER TABLE datasets ADD COLUMN bundled TEXT;
      CREATE INDEX datasets_bundled ON datasets (bundled) WHERE bundled IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: "annotation queues and the activity log",
    // Annotation queues (lib/queues): a queue's spec, one row per trace in it (`required` = how
    // many annotators review it; `final_*` = the version that exports: the one annotator's, the
    // agreeing annotators', or the researcher's adjudication), and one row per (item, annotator)
    // with that annotator's own review, annotations and edits (a queue's work never writes the
    // trace's own review), its lease and times. An assignment whose lease ran out is `expired`
    // when another annotator takes the slot: its work is kept, it no longer counts.
    // `activity` is the append-only log of who did what to a trace (annotator writes, forks,
    // queue reviews, adjudications); nothing in it is ever updated or deleted, except with the trace.
    sql: `
      CREATE TABLE queues (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        spec TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX queues_created ON queues (created_at DESC, id);
      CREATE TABLE queue_items (
        queue_id TEXT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        trace_id TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
        required INTEGER NOT NULL,
        final_status TEXT,
        final TEXT,
        final_by TEXT,
        final_at INTEGER,
        PRIMARY KEY (queue_id, idx)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX queue_items_trace ON queue_items (queue_id, trace_id);
      CREATE INDEX queue_items_final ON queue_items (queue_id, final_status, trace_id);
      CREATE TABLE queue_assignments (
        id TEXT PRIMARY KEY,
        queue_id TEXT NOT NULL,
        item_idx INTEGER NOT NULL,
        annotator TEXT NOT NULL,
        status TEXT NOT NULL,
        lease_until INTEGER,
        leased_at INTEGER,
        opened_at INTEGER,
        done_at INTEGER,
        active_ms INTEGER NOT NULL DEFAULT 0,
        skips INTEGER NOT NULL DEFAULT 0,
        review_status TEXT NOT NULL DEFAULT 'unreviewed',
        review_note TEXT,
        annotations TEXT NOT NULL DEFAULT '[]',
        edits TEXT NOT NULL DEFAULT '[]',
        version INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        FOREIGN KEY (queue_id, item_idx) REFERENCES queue_items(queue_id, idx) ON DELETE CASCADE
      );
      CREATE INDEX queue_assignments_item ON queue_assignments (queue_id, item_idx);
      CREATE INDEX queue_assignments_annotator ON queue_assignments (queue_id, annotator, status);
      CREATE TABLE activity (
        trace_id TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        author TEXT NOT NULL,
        kind TEXT NOT NULL,
        queue_id TEXT,
        detail TEXT NOT NULL,
        PRIMARY KEY (trace_id, seq)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 10,
    name: "experiment workers",
    // `hintlab worker --experiment ID` on any number of processes or machines shares one
    // experiment. An item records the owner (lib/db/owners.ts) that claimed it; the owner's
    // heartbeat is the item's lease, so a dead worker's items become claimable again (at once on
    // the same machine, after OWNER_TIMEOUT_MS elsewhere). `experiment_workers` lists who joined,
    // for progress per worker after the owner rows are gone.
    sql: `
      ALTER TABLE experiment_items ADD COLUMN worker TEXT;
      CREATE INDEX experiment_items_worker ON experiment_items (experiment_id, worker);
      CREATE TABLE experiment_workers (
        experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        owner_id TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        concurrency INTEGER NOT NULL,
        joined_at INTEGER NOT NULL,
        left_at INTEGER,
        PRIMARY KEY (experiment_id, owner_id)
      );
    `,
  },
  {
    version: 11,
    name: "experiment model servers",
    // Live counters of each model server an experiment uses (issue 14 item 2), one row per
    // runner (the app's run, each `hintlab worker`) and endpoint: every runner has its own
    // endpoint pool, and the page sums them. See lib/experiments/endpoint-status.ts.
    sql: `
      CREATE TABLE experiment_endpoints (
        experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        runner TEXT NOT NULL,
        url TEXT NOT NULL,
        state TEXT NOT NULL,
        outstanding INTEGER NOT NULL,
        max_concurrent INTEGER,
        served INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        last_error TEXT,
        next_probe_at INTEGER,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (experiment_id, runner, url)
      );
    `,
  },
  {
    version: 12,
    name: "code test failures per item",
    // Issue 15: why a code problem's program failed (wrong answer, timeout, runtime error…),
    // counted per policy on the results page. JSON object reason → tests; NULL for math items.
    sql: `ALTER TABLE experiment_items ADD COLUMN code_failures TEXT;`,
  },
];
