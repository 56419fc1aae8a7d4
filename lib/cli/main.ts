/**
 * `hintlab` command line. Subcommands print results on stdout (JSON) and progress on stderr,
 * and exit non-zero with a one-line message that says what to fix on bad input.
 */
import { runInfer } from "./infer";

const USAGE = `usage: hintlab <command> [options]

commands:
  infer    run one Hint-infer session headless and print the trace as JSON
           (hintlab infer --help for options)
  import   import a JSONL file of traces into the database (hintlab import --help)
  export   stream the traces as training data JSONL (hintlab export --help)
  run      run an experiment (dataset × policies × samples) into the database (hintlab run --help)
  worker   work on an experiment together with other workers sharing the database (hintlab worker --help)
  regrade  grade a stopped experiment's finished items again with this grader, keeping the old verdicts (hintlab regrade --help)
  sweep    K samples per hint from one point of a stored trace, graded; or one hint over many points (hintlab sweep --help)
  datasets import or list problem sets (hintlab datasets --help)
  grade    math answer equivalence: --gold G --pred P, or --file pairs.jsonl (hintlab grade --help)
  model    local GGUF models: pull (download with progress), list, status (hintlab model --help)
  users    accounts of a shared server: add (prints a sign-in link), list, role, link, password, remove`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "infer":
      return runInfer(rest);
    // Loaded on demand: only these need the database (a native module).
    case "import":
      return (await import("./import")).runImport(rest);
    case "export":
      return (await import("./export")).runExport(rest);
    case "run":
      return (await import("./run")).runRun(rest);
    case "worker":
      return (await import("./worker")).runWorker(rest);
    case "regrade":
      return (await import("./regrade")).runRegrade(rest);
    case "sweep":
      return (await import("./sweep")).runSweepCli(rest);
    case "datasets":
      return (await import("./run")).runDatasets(rest);
    // Loaded on demand: grading pulls in the sandbox only when a pair needs sympy.
    case "grade":
      return (await import("./grade")).runGrade(rest);
    case "model":
      return (await import("./model")).runModel(rest);
    case "users":
      return (await import("./users")).runUsers(rest);
    case undefined:
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(USAGE + "\n");
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`hintlab: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`hintlab: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
