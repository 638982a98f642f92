import { describe, expect, it } from 'vitest';
import { formatIssue } from '../src/issues.js';
import { parsePipelineYaml } from '../src/pipeline-parse.js';
import { fireTimesBetween, nextFireTimes, unregisteredTriggerWarnings } from '../src/pipeline-triggers.js';

const STEP = `steps:
  - id: a
    run: echo hi
`;

function parse(on: string, steps = STEP) {
  return parsePipelineYaml(`version: "1"\nname: nightly\n${on}${steps}`, 'pipeline.yml');
}

describe('on: schedule and webhook', () => {
  it('builds schedules with their defaults and the webhook secret', () => {
    const r = parse(`on:
  schedule:
    - cron: "0 2 * * *"
      timezone: Europe/Berlin
    - cron: "*/30 * * * * *"
      catchUp: all
      maxCatchUp: 3
  webhook:
    secret: HOOK_SECRET
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [first, second] = r.value.on!.schedule;
    expect(first).toMatchObject({ cron: '0 2 * * *', timezone: 'Europe/Berlin', catchUp: 'latest', maxCatchUp: 10 });
    expect(first!.loc.line).toBe(5);
    expect(second).toMatchObject({ timezone: 'UTC', catchUp: 'all', maxCatchUp: 3 });
    expect(r.value.on!.webhook?.secret).toBe('HOOK_SECRET');
  });

  it('reports an invalid cron at the cron field, naming it', () => {
    const r = parse(`on:
  schedule:
    - cron: "61 2 * * *"
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map(formatIssue)[0]).toMatch(/^pipeline\.yml:5:13: .*on\.schedule\[0\]\.cron: .*61/);
  });

  it('reports a cron with the wrong number of fields', () => {
    const r = parse(`on:\n  schedule:\n    - cron: "* * *"\n`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]!.message).toMatch(/has 3 fields; a cron expression has five/);
  });

  it('reports an unknown time zone at the timezone field', () => {
    const r = parse(`on:\n  schedule:\n    - cron: "0 2 * * *"\n      timezone: Mars/Olympus\n`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatIssue(r.errors[0]!)).toMatch(/^pipeline\.yml:6:17: .*timezone: unknown time zone "Mars\/Olympus"/);
  });

  it("builds a schedule's with: params, and checks them against the params at file:line:col", () => {
    const params = 'params:\n  env: { type: string, required: true }\n  shards: { type: number, default: 2 }\n';
    const good = parse(`${params}on:\n  schedule:\n    - cron: "0 2 * * *"\n      with: { env: prod, shards: 4 }\n`);
    expect(good.ok && good.value.on!.schedule[0]!.with).toEqual({ env: 'prod', shards: 4 });
    const bad = parse(
      `${params}on:\n  schedule:\n    - cron: "0 2 * * *"\n      with:\n        env: prod\n        shards: many\n        region: eu\n    - cron: "0 3 * * *"\n`,
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^pipeline\.yml:11:17: error: on\.schedule\[0\]\.with\.shards: "many" is not a number, the type of param "shards"/,
      ),
      expect.stringMatching(
        /^pipeline\.yml:12:17: error: on\.schedule\[0\]\.with\.region: the pipeline has no param "region" .*its params: env, shards/,
      ),
      expect.stringMatching(
        /^pipeline\.yml:13:7: error: on\.schedule\[1\]: param "env" is required and has no default/,
      ),
    ]);
  });

  it('rejects an unknown catchUp policy through the schema', () => {
    const r = parse(`on:\n  schedule:\n    - cron: "0 2 * * *"\n      catchUp: sometimes\n`);
    expect(r.ok).toBe(false);
  });

  it('lets steps read ${{ event.* }} when a webhook is declared, and warns when not', () => {
    const steps = `steps:\n  - id: a\n    run: echo \${{ event.ref }}\n`;
    const hooked = parse(`on:\n  webhook:\n    secret: S\n`, steps);
    expect(hooked.ok).toBe(true);
    expect(hooked.warnings).toEqual([]);
    const plain = parse('', steps);
    expect(plain.ok).toBe(true);
    expect(plain.warnings[0]!.message).toMatch(/"event" is empty/);
  });
});

describe('fire times', () => {
  const berlin = { cron: '30 2 * * *', timezone: 'Europe/Berlin' };

  it('gives the next five in the schedule zone', () => {
    const t = nextFireTimes(berlin, Date.parse('2026-01-10T12:00:00Z'), 5);
    expect(t.map((x) => new Date(x).toISOString())).toEqual([
      '2026-01-11T01:30:00.000Z',
      '2026-01-12T01:30:00.000Z',
      '2026-01-13T01:30:00.000Z',
      '2026-01-14T01:30:00.000Z',
      '2026-01-15T01:30:00.000Z',
    ]);
  });

  it('fires once a day across both DST changes', () => {
    const spring = fireTimesBetween(berlin, Date.parse('2026-03-28T00:00:00Z'), Date.parse('2026-03-31T00:00:00Z'), 50);
    expect(spring).toHaveLength(3);
    const fall = fireTimesBetween(berlin, Date.parse('2026-10-24T00:00:00Z'), Date.parse('2026-10-27T00:00:00Z'), 50);
    expect(fall).toHaveLength(3);
  });

  it('lists missed ticks in (after, upTo], the latest ones first cut', () => {
    const hourly = { cron: '0 * * * *', timezone: 'UTC' };
    const from = Date.parse('2026-01-01T00:00:00Z');
    const all = fireTimesBetween(hourly, from, from + 5 * 3600_000, 100);
    expect(all).toEqual([1, 2, 3, 4, 5].map((h) => from + h * 3600_000));
    expect(fireTimesBetween(hourly, from, from + 5 * 3600_000, 2)).toEqual([from + 4 * 3600_000, from + 5 * 3600_000]);
  });
});

describe('a pipeline with triggers linted alone', () => {
  it('gets a warning at its first schedule that it must be registered', () => {
    const r = parse(`on:\n  schedule:\n    - cron: "0 2 * * *"\n`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [w] = unregisteredTriggerWarnings(r.value, 'nightly.yml');
    expect(w).toMatchObject({ severity: 'warning', line: 5, col: 7 });
    expect(w!.message).toMatch(/on\.schedule does nothing while this pipeline is not registered/);
    expect(w!.hint).toContain('caravan pipelines add nightly.yml');
    const plain = parse('');
    expect(plain.ok && unregisteredTriggerWarnings(plain.value, 'x.yml')).toEqual([]);
  });
});
