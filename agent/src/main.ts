import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { USAGE, UsageError, parseArgs } from './cli-args.js';
import { Entrypointer } from './entrypointer.js';
import { startFileWatcher } from './file-watcher.js';
import { HttpReporter } from './http-reporter.js';
import { memoryReclaimer } from './memory-reclaimer.js';
import { createDeferredMasker, createMasker } from './mask/index.js';
import type { Masker } from './mask/types.js';
import { readOomKills } from './oom.js';
import { processRunner } from './process-runner.js';
import { agentErrorReport, writeReportFile } from './report-file.js';
import { nullReporter } from './reporter.js';
import { streamSink } from './sink.js';
import { ContextError, parseContext, readContextText } from './task-context.js';
import { AGENT_VERSION } from './version.js';

const EXIT_USAGE = 2;

function complain(message: string, masker?: Masker): void {
  process.stderr.write(`[caravan-agent] error: ${masker ? masker.maskString(message) : message}\n`);
}

async function main(argv: string[]): Promise<number> {
  let cli;
  try {
    cli = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    complain(`${err.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (cli.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (cli.kind === 'version') {
    process.stdout.write(`caravan-agent ${AGENT_VERSION} node-${process.version}\n`);
    return 0;
  }
  const started = Date.now();
  if (cli.reportFile && cli.reportFile !== REPORT_TO_STDOUT && !existsSync(dirname(resolve(cli.reportFile)))) {
    complain(
      `--report ${cli.reportFile}: the folder ${dirname(resolve(cli.reportFile))} does not exist; create it or pick another path`,
    );
    return EXIT_USAGE;
  }
  let parsed;
  try {
    const { text, source } = readContextText(cli.contextFile, process.env);
    parsed = parseContext(text, source);
  } catch (err) {
    if (!(err instanceof ContextError)) throw err;
    complain(err.message);
    if (cli.reportFile) writeReport(cli.reportFile, agentErrorReport(err.message, 'start'), createMasker([]));
    return EXIT_USAGE;
  }
  const { context, warnings } = parsed;
  // no engine and nowhere to write: a plain `docker run` of an image that embeds the agent
  const standalone = cli.contextFile === undefined && !process.env.CARAVAN_CONTEXT?.trim();
  const reportFile = cli.reportFile ?? (standalone ? REPORT_TO_STDERR : undefined);
  // compiled on first use: once the action is spawned, its patterns build while the action starts
  const masker = createDeferredMasker([
    ...Object.values(context.secrets),
    ...(context.callback ? [context.callback.token] : []),
  ]);
  const running: { agent?: Entrypointer } = {};
  const crash = (err: unknown) => {
    const message = `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    complain(message, masker);
    running.agent?.abort();
    if (reportFile)
      writeReport(reportFile, agentErrorReport(masker.maskString(message), 'internal', Date.now() - started), masker);
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', (err) =>
    complain(`warning: ${err instanceof Error ? err.message : String(err)}`, masker),
  );

  const stderr = streamSink(() => process.stderr);
  const reporter = context.callback
    ? new HttpReporter({
        url: context.callback.url,
        token: context.callback.token,
        logTypes: context.callback.logTypes,
        // beside the report, where the engine looks after a crash; else a private temp folder
        spoolDir:
          process.env.CARAVAN_AGENT_SPOOL_DIR ??
          (reportFile && !isStream(reportFile)
            ? `${reportFile}.spool`
            : join(tmpdir(), `caravan-agent-spool-${context.taskId ?? process.pid}`.replace(/[^\w.-]/g, '_'))),
        retryBaseMs: Number(process.env.CARAVAN_AGENT_RETRY_MS) || undefined,
        say: (m) => void stderr.write(Buffer.from(`[caravan-agent] ${masker.maskString(m)}\n`)),
      })
    : nullReporter;
  const agent = new Entrypointer({
    context,
    command: cli.command,
    args: cli.args,
    runner: processRunner,
    reporter,
    masker,
    stdout: streamSink(() => process.stdout),
    stderr,
    startWatcher: startFileWatcher,
    readOomKills,
    contextWarnings: warnings,
    onOutputBytes: memoryReclaimer(),
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => agent.cancel(signal));
  running.agent = agent;
  let result;
  try {
    result = await agent.run();
  } catch (err) {
    return crash(err);
  }
  if (reportFile) writeReport(reportFile, result.report, masker);
  return result.exitCode;
}

/** `--report -`: the report on stdout, after the action's output. */
const REPORT_TO_STDOUT = '-';
/** No context and no --report: the report on stderr (a name no --report value can take). */
const REPORT_TO_STDERR = '\0stderr';

function isStream(reportFile: string): boolean {
  return reportFile === REPORT_TO_STDOUT || reportFile === REPORT_TO_STDERR;
}

/** A report that cannot be written is said, but does not change the action's exit code. */
function writeReport(path: string, report: Parameters<typeof writeReportFile>[1], masker: Masker): void {
  try {
    // process.stdout and stderr write synchronously on Linux: after everything the action printed
    if (path === REPORT_TO_STDOUT) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (path === REPORT_TO_STDERR) process.stderr.write(`[caravan-agent] report: ${JSON.stringify(report)}\n`);
    else writeReportFile(path, report);
  } catch (err) {
    complain(`cannot write the report to ${path}: ${(err as Error).message}`, masker);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    complain(`internal error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
