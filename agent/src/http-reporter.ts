import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { LOG_RECORDS_TYPE, type AgentEvent, type LogEntry } from '@caravan/spec';
import type { Report } from './contract.js';
import type { Reporter } from './reporter.js';
import { post } from './http-post.js';
import { LogBatchBuilder } from './log-batch.js';
import { LogRecordsBuilder } from './log-records-batch.js';
import { Spool, SPOOL_MAX_BYTES, type SpooledRequest } from './spool.js';
import { tarOf } from './tar-body.js';

export interface HttpReporterOptions {
  /** The task's callback base URL; routes are `/logs`, `/events`, `/files/{name}`, `/report`. */
  url: string;
  token: string;
  /** Content types the engine takes on `/logs` besides JSON (`Callback.logTypes`): log records when offered. */
  logTypes?: string[];
  spoolDir: string;
  spoolMaxBytes?: number;
  /** Tries per request before the engine counts as unreachable. */
  attempts?: number;
  /** First back-off; each further try waits 4 times longer. */
  retryBaseMs?: number;
  flushMs?: number;
  maxBatchBytes?: number;
  /** Past this many bytes queued for sending, `log()` makes the action wait. */
  maxQueuedBytes?: number;
  /** Tells the user (through the masked agent messages). */
  say: (message: string) => void;
}

type Outcome = 'ok' | 'rejected' | 'unreachable';

const PROBE_FIRST_MS = 1000;
/** A batch holds at most this many log entries (or `maxBatchBytes` of JSON). */
const MAX_BATCH_ENTRIES = 10_000;
const PROBE_MAX_MS = 30_000;
/** A hung engine must not hold the action for long: after this much silence a JSON request counts as failed. */
const JSON_TIMEOUT_MS = 10_000;
const FILE_TIMEOUT_MS = 30 * 60_000;
const TAR = 'application/x-tar';
const JSON_TYPE = 'application/json';
/** JSON (a log batch arrives as its bytes), or a file body opened on each try. */
type Body = string | Buffer | (() => Promise<Readable>);

/**
 * Ships logs and events in ordered, numbered batches, uploads files and sends the final report
 * over keep-alive node:http (see http-post.ts for why not undici). Failed requests are retried with back-off; when
 * the engine
 * stays unreachable, batches go to a bounded on-disk spool that is flushed when it answers again
 * (and once more at the end). Nothing here ever throws into the action's path.
 */
export class HttpReporter implements Reporter {
  readonly wantsLogs = true;
  private readonly o: Required<HttpReporterOptions>;
  private readonly spool: Spool;
  private readonly logs: LogBatchBuilder | LogRecordsBuilder;
  private readonly logType: string;
  /** Masked output as bytes, when the engine takes log records (else undefined: lines go as JSON). */
  readonly logBlock: ((stream: LogEntry['stream'], block: Buffer, ts: number) => void | Promise<void>) | undefined;
  private events: AgentEvent[] = [];
  private logSeq = 0;
  private eventSeq = 0;
  private chain: Promise<void> = Promise.resolve();
  private queuedBytes = 0;
  /** One promise per batch not yet delivered (or spooled), oldest first. */
  private readonly queued: Promise<void>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private down = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private probeDelay = PROBE_FIRST_MS;
  private flushing: Promise<void> | undefined;
  private finishing = false;
  private rejected: string[] = [];

  constructor(options: HttpReporterOptions) {
    this.o = {
      spoolMaxBytes: SPOOL_MAX_BYTES,
      attempts: 4,
      retryBaseMs: 100,
      flushMs: 200,
      maxBatchBytes: 1024 * 1024,
      maxQueuedBytes: 4 * 1024 * 1024,
      ...options,
      logTypes: options.logTypes ?? [],
    };
    this.spool = new Spool(this.o.spoolDir, this.o.spoolMaxBytes);
    const capacity = this.o.maxBatchBytes + 64 * 1024;
    if (this.o.logTypes.includes(LOG_RECORDS_TYPE)) {
      const records = new LogRecordsBuilder(capacity);
      this.logs = records;
      this.logType = LOG_RECORDS_TYPE;
      this.logBlock = (stream, block, ts) => {
        records.addBlock(stream, block, ts);
        return this.logged();
      };
    } else {
      this.logs = new LogBatchBuilder(capacity);
      this.logType = JSON_TYPE;
      this.logBlock = undefined;
    }
  }

  log(entry: LogEntry): void | Promise<void> {
    this.logs.add(entry);
    return this.logged();
  }

  logLines(stream: LogEntry['stream'], lines: string, ts: number): void | Promise<void> {
    this.logs.addLines(stream, lines, ts);
    return this.logged();
  }

  private logged(): void | Promise<void> {
    if (this.logs.bytes >= this.o.maxBatchBytes || this.logs.entries >= MAX_BATCH_ENTRIES) this.flushLogs();
    else this.schedule();
    // the action waits for the oldest batch only: the engine keeps receiving while the agent goes on
    if (this.queuedBytes > this.o.maxQueuedBytes) return this.queued[0];
  }

  event(event: AgentEvent): void {
    this.events.push(event);
    this.schedule();
  }

  /**
   * Uploads a declared file's tar. While the engine is unreachable the tar goes to the spool (in
   * order with the logs), for the engine to take when it answers again or, after a crash, from the
   * spool folder beside the report.
   */
  async upload(name: string, path: string): Promise<string | undefined> {
    // the logs so far go first, also when their flush timer has not fired yet: the spool keeps that order
    this.flushLogs();
    await this.chain;
    const route = `files/${encodeURIComponent(name)}`;
    const links = new Set<string>();
    const body = () => tarOf(path, (link) => links.add(link));
    const outcome =
      this.down || this.spool.size > 0 ? 'unreachable' : await this.post(route, body, this.o.attempts, TAR);
    const linksLeftOut =
      links.size === 0
        ? undefined
        : `declared file "${name}" was sent without its links (${[...links].join(', ')}): links are not followed`;
    if (outcome === 'ok') return linksLeftOut;
    if (outcome === 'rejected')
      return `could not upload declared file "${name}" to the engine (${this.rejected.at(-1)})`;
    if (await this.spool.appendFile(route, body)) {
      this.markDown();
      return undefined;
    }
    return `could not upload declared file "${name}": the engine is unreachable and the spool is full`;
  }

  async finish(report: Report): Promise<string[]> {
    this.finishing = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.flushLogs();
    this.flushEvents();
    await this.chain;
    await this.flushing;
    if (this.spool.size > 0) await this.flushSpoolOnce(2);
    const body = JSON.stringify(report);
    if (this.spool.size > 0 || (await this.post('report', body, this.o.attempts)) === 'unreachable')
      this.spool.append({ route: 'report', body });
    const warnings: string[] = [];
    if (this.spool.size > 0)
      warnings.push(
        `the engine at ${this.o.url} could not be reached: ${this.spool.size} requests (${this.spool.pendingBytes} bytes, masked) stay in ${this.spool.dir}`,
      );
    if (this.spool.refused > 0)
      warnings.push(
        `${this.spool.refused} batches were dropped: the spool reached its limit of ${this.o.spoolMaxBytes} bytes`,
      );
    if (this.rejected.length > 0)
      warnings.push(`the engine rejected ${this.rejected.length} requests (first: ${this.rejected[0]})`);
    this.spool.close();
    return warnings;
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flushLogs();
      this.flushEvents();
    }, this.o.flushMs).unref();
  }

  private flushLogs(): void {
    if (this.logs.entries === 0) return;
    this.enqueue('logs', this.logs.take(++this.logSeq), this.logType);
  }

  private flushEvents(): void {
    if (this.events.length === 0) return;
    const body = JSON.stringify({ seq: ++this.eventSeq, events: this.events });
    this.events = [];
    this.enqueue('events', body);
  }

  private enqueue(route: string, body: string | Buffer, type = JSON_TYPE): void {
    this.queuedBytes += body.length;
    this.chain = this.chain
      .then(() => this.deliver(route, body, type))
      .catch((err: Error) => this.o.say(`warning: a ${route} batch was lost: ${err.message}`))
      .finally(() => {
        this.queuedBytes -= body.length;
        this.queued.shift();
        // sent (or copied to the spool): the batch's memory serves a later batch
        if (route === 'logs' && Buffer.isBuffer(body)) this.logs.recycle(body);
      });
    this.queued.push(this.chain);
  }

  /** While the engine is down, batches queue up in the spool (in order) and the action never waits. */
  private async deliver(route: string, body: string | Buffer, type: string): Promise<void> {
    if (this.down || this.spool.size > 0) {
      this.spool.append(spooled(route, body, type));
      return;
    }
    if ((await this.post(route, body, this.o.attempts, type)) === 'unreachable') {
      this.spool.append(spooled(route, body, type));
      this.markDown();
    }
  }

  /** Probes a down engine with growing pauses (1 s … 30 s), flushing the spool once it answers. */
  private scheduleProbe(): void {
    if (this.probeTimer || this.finishing) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      void this.flushSpoolOnce(1).then(() => {
        if (!this.down && this.spool.size === 0) {
          this.probeDelay = PROBE_FIRST_MS;
          return;
        }
        this.probeDelay = Math.min(this.probeDelay * 2, PROBE_MAX_MS);
        this.scheduleProbe();
      });
    }, this.probeDelay).unref();
  }

  private flushSpoolOnce(attempts: number): Promise<void> {
    this.flushing ??= this.flushSpool(attempts)
      .catch((err: Error) => this.o.say(`warning: cannot read the spool: ${err.message}`))
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  private async flushSpool(attempts: number): Promise<void> {
    for (let next = this.spool.peek(); next; next = this.spool.peek()) {
      const outcome =
        'body' in next
          ? await this.post(next.route, next.body, attempts)
          : 'body64' in next
            ? await this.post(next.route, Buffer.from(next.body64, 'base64'), attempts, next.type)
            : await this.post(
                next.route,
                async () => createReadStream(this.spool.pathOf(next.bodyFile)),
                attempts,
                TAR,
              );
      if (outcome === 'unreachable') {
        this.down = true;
        return;
      }
      this.spool.shift();
    }
    if (this.down) this.o.say(`the engine at ${this.o.url} answers again; spooled batches delivered`);
    this.down = false;
  }

  private markDown(): void {
    if (!this.down)
      this.o.say(
        `warning: the engine at ${this.o.url} is unreachable; buffering to ${this.spool.dir} (the action goes on)`,
      );
    this.down = true;
    this.scheduleProbe();
  }

  private async post(route: string, body: Body, attempts: number, contentType = JSON_TYPE): Promise<Outcome> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(this.o.retryBaseMs * 4 ** (attempt - 1));
      try {
        const status = await post(
          `${this.o.url}/${route}`,
          { authorization: `Bearer ${this.o.token}`, 'content-type': contentType },
          typeof body === 'function' ? await body() : body,
          typeof body === 'function' ? FILE_TIMEOUT_MS : JSON_TIMEOUT_MS,
        );
        if (status < 300) return 'ok';
        if (status < 500 && status !== 408 && status !== 429) {
          this.rejected.push(`HTTP ${status} on /${route.split('/')[0]}`);
          return 'rejected';
        }
      } catch {
        // network error or timeout: retry
      }
    }
    return 'unreachable';
  }
}

/** A JSON body is kept as its text; any other as base64, byte for byte, with its type. */
function spooled(route: string, body: string | Buffer, type: string): SpooledRequest {
  return type === JSON_TYPE ? { route, body: body.toString() } : { route, body64: body.toString('base64'), type };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
