/**
 * `on:` of pipeline.yml: cron schedules (read with cron-parser) and a signed webhook. The checks
 * point at the field that is wrong; the fire-time helpers are what the server's scheduler and
 * `caravan pipelines show` use, so both read a schedule the same way.
 */
import { CronExpressionParser } from 'cron-parser';
import type { CronExpression } from 'cron-parser';
import type { SpecIssue } from './issues.js';
import { issueAt } from './issue-at.js';
import type { CatchUp, Pipeline, PipelineSchedule, PipelineTriggers } from './pipeline-types.js';
import { asList, asRecord, isRecord, type Raw } from './records.js';
import type { YamlSource } from './yaml-source.js';

export const DEFAULT_CATCH_UP: CatchUp = 'latest';
export const DEFAULT_MAX_CATCH_UP = 10;

/** Why a cron expression cannot be read, or undefined when it can. */
export function cronProblem(cron: string, timezone = 'UTC'): string | undefined {
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    return `"${cron}" has ${fields} field${fields === 1 ? '' : 's'}; a cron expression has five (minute hour day-of-month month day-of-week), or six with seconds first`;
  try {
    CronExpressionParser.parse(cron, { tz: timezone, strict: false });
    return undefined;
  } catch (err) {
    return `"${cron}" is not a valid cron expression: ${(err as Error).message}`;
  }
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function checkTriggers(data: Raw, source: YamlSource, errors: SpecIssue[]): void {
  const on = asRecord(data.on);
  const concurrency = asRecord(data.concurrency);
  if (concurrency.cancelInProgress === true && concurrency.skipIfBusy === true) {
    const at = source.locate(['concurrency', 'skipIfBusy']);
    errors.push(
      issueAt(
        source.file,
        at.line,
        at.col,
        'concurrency: cancelInProgress and skipIfBusy cannot both be set',
        'choose one: a new tick cancels the run in progress, or it starts nothing while one runs',
      ),
    );
  }
  asList(on.schedule).forEach((raw, i) => {
    if (!isRecord(raw)) return;
    checkScheduleParams(raw, i, asRecord(data.params), source, errors);
    const timezone = typeof raw.timezone === 'string' ? raw.timezone : 'UTC';
    if (typeof raw.timezone === 'string' && !isTimeZone(raw.timezone)) {
      const at = source.locate(['on', 'schedule', i, 'timezone']);
      errors.push(
        issueAt(
          source.file,
          at.line,
          at.col,
          `on.schedule[${i}].timezone: unknown time zone "${raw.timezone}"`,
          'use an IANA name such as UTC, Europe/Berlin or America/New_York',
        ),
      );
      return;
    }
    if (typeof raw.cron !== 'string') return;
    const problem = cronProblem(raw.cron, timezone);
    if (problem) {
      const at = source.locate(['on', 'schedule', i, 'cron']);
      errors.push(
        issueAt(
          source.file,
          at.line,
          at.col,
          `on.schedule[${i}].cron: ${problem}`,
          'e.g. "0 2 * * *" is 02:00 every day; see docs/engine.md, "Triggers"',
        ),
      );
    }
  });
}

/** A schedule's `with:` gives declared params of their declared type, and every required one without a default. */
function checkScheduleParams(schedule: Raw, i: number, params: Raw, source: YamlSource, errors: SpecIssue[]): void {
  const given = asRecord(schedule.with);
  const problem = (path: Array<string | number>, message: string, hint: string) => {
    const at = source.locate(path);
    errors.push(issueAt(source.file, at.line, at.col, message, hint));
  };
  for (const [name, value] of Object.entries(given)) {
    const path = ['on', 'schedule', i, 'with', name];
    const declared = params[name];
    if (!isRecord(declared)) {
      const names = Object.keys(params);
      problem(
        path,
        `on.schedule[${i}].with.${name}: the pipeline has no param "${name}"`,
        names.length > 0 ? `its params: ${names.join(', ')}` : `declare it under params: first`,
      );
      continue;
    }
    const type = typeof declared.type === 'string' ? declared.type : 'string';
    if (typeof value !== 'object' && typeof value !== type)
      problem(
        path,
        `on.schedule[${i}].with.${name}: ${JSON.stringify(value)} is not a ${type}, the type of param "${name}"`,
        type === 'string' ? `quote it: "${String(value)}"` : `write a ${type}`,
      );
  }
  for (const [name, declared] of Object.entries(params))
    if (isRecord(declared) && declared.required === true && declared.default === undefined && !(name in given))
      problem(
        ['on', 'schedule', i],
        `on.schedule[${i}]: param "${name}" is required and has no default`,
        `give it to the scheduled runs: with: { ${name}: ... }`,
      );
}

export function buildTriggers(data: Raw, source: YamlSource): PipelineTriggers | undefined {
  if (!isRecord(data.on)) return undefined;
  const schedule = asList(data.on.schedule)
    .map((raw, i): PipelineSchedule | undefined => {
      const s = asRecord(raw);
      if (typeof s.cron !== 'string') return undefined;
      const at = source.locate(['on', 'schedule', i]);
      return {
        cron: s.cron,
        timezone: typeof s.timezone === 'string' ? s.timezone : 'UTC',
        catchUp: (s.catchUp as CatchUp | undefined) ?? DEFAULT_CATCH_UP,
        maxCatchUp: typeof s.maxCatchUp === 'number' ? s.maxCatchUp : DEFAULT_MAX_CATCH_UP,
        with: { ...(asRecord(s.with) as PipelineSchedule['with']) },
        loc: { file: source.file, line: at.line, col: at.col },
      };
    })
    .filter((s): s is PipelineSchedule => s !== undefined);
  const hook = asRecord(data.on.webhook);
  const triggers: PipelineTriggers = { schedule };
  if (typeof hook.secret === 'string') {
    const at = source.locate(['on', 'webhook', 'secret']);
    triggers.webhook = { secret: hook.secret, loc: { file: source.file, line: at.line, col: at.col } };
  }
  return triggers;
}

function expression(s: Pick<PipelineSchedule, 'cron' | 'timezone'>, at: number): CronExpression {
  return CronExpressionParser.parse(s.cron, { tz: s.timezone, currentDate: new Date(at) });
}

/**
 * A forward walk that yields the same times wherever it starts: it starts at the fire time at or
 * before `at`. (cron-parser's walks depend on their start around a DST change: from just before
 * a spring-forward gap it fires the missing local time an hour late, from inside the gap it skips it.)
 */
function walkAfter(s: Pick<PipelineSchedule, 'cron' | 'timezone'>, at: number, anchor?: number): CronExpression {
  if (anchor === undefined) {
    const back = expression(s, at + 1);
    anchor = back.hasPrev() ? back.prev().getTime() : at;
  }
  return expression(s, anchor);
}

/** The next `count` fire times strictly after `after` (ms since the epoch). */
export function nextFireTimes(s: Pick<PipelineSchedule, 'cron' | 'timezone'>, after: number, count: number): number[] {
  const e = walkAfter(s, after);
  const out: number[] = [];
  while (out.length < count && e.hasNext()) {
    const t = e.next().getTime();
    if (t > after) out.push(t);
  }
  return out;
}

/**
 * Fire times in (`after`, `upTo`], the latest `limit` of them, oldest first. A walk back from
 * `upTo` finds where to start, so a server down for a year with a per-second schedule costs about
 * `limit` steps, not millions.
 */
export function fireTimesBetween(
  s: Pick<PipelineSchedule, 'cron' | 'timezone'>,
  after: number,
  upTo: number,
  limit: number,
): number[] {
  const back = expression(s, upTo + 1);
  let anchor: number | undefined;
  for (let i = 0; i <= limit && back.hasPrev(); i++) {
    anchor = back.prev().getTime();
    if (anchor <= after) break;
  }
  const forward = walkAfter(s, after, anchor === undefined ? after : anchor - 1);
  const out: number[] = [];
  while (forward.hasNext()) {
    const t = forward.next().getTime();
    if (t > upTo) break;
    if (t > after) out.push(t);
  }
  return out.slice(-limit);
}

/**
 * For a pipeline linted alone: its triggers do nothing until it is registered on a server. A
 * warning, at the first schedule or the webhook.
 */
export function unregisteredTriggerWarnings(p: Pipeline, file: string): SpecIssue[] {
  const first = p.on?.schedule[0];
  const at = first?.loc ?? p.on?.webhook?.loc;
  if (!at) return [];
  const what = first ? 'on.schedule' : 'on.webhook';
  return [
    {
      ...issueAt(
        at.file,
        at.line,
        at.col,
        `${what} does nothing while this pipeline is not registered on a caravan server`,
        `register it: caravan pipelines add ${file} --server URL (caravan pipelines list shows what is registered)`,
      ),
      severity: 'warning',
    },
  ];
}
