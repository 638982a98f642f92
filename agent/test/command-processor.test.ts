/** Workflow commands as GitHub's runner processes them (src/Runner.Worker/ActionCommandManager.cs). */
import { describe, expect, it } from 'vitest';
import {
  CommandProcessor,
  UNSECURE_COMMAND_DISABLED,
  UNSECURE_STOP_TOKEN_DISABLED,
  validRange,
  type CommandEffects,
  type CommandSettings,
  type SharedCommandState,
} from '../src/command-processor.js';
import type { ReportAnnotation } from '../src/contract.js';

function setup(settings: Partial<CommandSettings> = {}, shared?: SharedCommandState) {
  const seen = {
    masks: [] as string[],
    outputs: {} as Record<string, string>,
    env: {} as Record<string, string>,
    path: [] as string[],
    state: {} as Record<string, string>,
    annotations: [] as ReportAnnotation[],
    warnings: [] as string[],
    errors: [] as string[],
  };
  const effects: CommandEffects = {
    addMask: (v) => seen.masks.push(v),
    setOutput: (n, v) => (seen.outputs[n] = v),
    setEnv: (n, v) => (seen.env[n] = v),
    addPath: (p) => seen.path.push(p),
    saveState: (n, v) => (seen.state[n] = v),
    annotate: (a) => seen.annotations.push(a),
    warn: (m) => seen.warnings.push(m),
    outputError: (m) => seen.errors.push(m),
    commandError: (m) => seen.errors.push(m),
  };
  const full: CommandSettings = {
    allowUnsecureCommands: false,
    allowUnsecureStopTokens: false,
    debug: false,
    workspace: '/work/space',
    ...settings,
  };
  const processor = new CommandProcessor(effects, 'stdout', full, shared ?? { echo: full.debug });
  /** What the log shows for a line. */
  const show = (line: string) => {
    const instead = processor.handle(line);
    return instead === undefined ? `${line}\n` : instead.toString();
  };
  return { processor, show, seen };
}

describe('what the log shows', () => {
  it('does not print processed command lines; shows groups, annotations and notices as the runner does', () => {
    const { show, seen } = setup();
    expect(show('::set-output name=a::1')).toBe('');
    expect(show('::add-mask::hide-me-please')).toBe('');
    expect(show('::save-state name=s::v')).toBe('');
    expect(show('::group::Build %25 all')).toBe('##[group]Build % all\n');
    expect(show('::endgroup::')).toBe('##[endgroup]\n');
    expect(show('::error file=a.ts,line=2::it broke')).toBe('##[error]it broke\n');
    expect(show('::warning::careful')).toBe('##[warning]careful\n');
    expect(show('::notice title=FYI::note%0Asecond line')).toBe('##[notice]note\nsecond line\n');
    expect(show('::error::')).toBe('');
    expect(seen).toMatchObject({ outputs: { a: '1' }, masks: ['hide-me-please'], state: { s: 'v' } });
    expect(seen.annotations.map((a) => a.level)).toEqual(['error', 'warning', 'notice', 'error']);
  });

  it('prints lines that are no command of the runner as they are', () => {
    const { show, seen } = setup();
    for (const line of ['::foo::bar', 'a :: b', 'echo "::error::x"', '##[section]Starting', '::error missing end'])
      expect(show(line)).toBe(`${line}\n`);
    expect(seen.annotations).toEqual([]);
  });

  it('shows ::debug:: only with ACTIONS_STEP_DEBUG, one ##[debug] line per line', () => {
    expect(setup().show('::debug::a%0Ab')).toBe('');
    expect(setup({ debug: true }).show('::debug::a%0D%0Ab')).toBe('##[debug]a\n##[debug]b\n');
  });

  it('takes a command after leading white space and in any case', () => {
    const { show, seen } = setup();
    expect(show(' \t ::SET-OUTPUT Name=a::1')).toBe('');
    expect(seen.outputs).toEqual({ a: '1' });
  });

  it('takes the legacy ##[ form anywhere in a line', () => {
    const { show, seen } = setup();
    expect(show('prefix ##[set-output name=b]2')).toBe('');
    expect(show('ci: ##[warning]old style')).toBe('##[warning]old style\n');
    expect(seen.outputs).toEqual({ b: '2' });
  });

  it('splits a line at a bare CR as the runner reads it', () => {
    const { show, seen } = setup();
    expect(show('50%\r::set-output name=a::1\r100%')).toBe('50%\r100%\n');
    expect(show('\r::group::g')).toBe('\r##[group]g\n');
    expect(seen.outputs).toEqual({ a: '1' });
  });

  it("still reads Erda's action meta lines, and says once that problem matchers are ignored", () => {
    const { show, seen } = setup();
    expect(show('action meta: image=app:1')).toBe('action meta: image=app:1\n');
    expect(show('::add-matcher::.github/m.json')).toMatch(/^##\[warning\]problem matchers are not supported/);
    expect(show('::remove-matcher owner=x::')).toBe('');
    expect(seen.outputs).toEqual({ image: 'app:1' });
    expect(seen.warnings).toHaveLength(1);
  });
});

describe('stop-commands', () => {
  it('pauses every command until ::TOKEN:: (any case, or ##[TOKEN]); both lines are printed', () => {
    const { show, seen } = setup();
    expect(show('::stop-commands::resume-4f2a')).toBe('::stop-commands::resume-4f2a\n');
    expect(seen.masks).toEqual(['resume-4f2a']);
    expect(show('::set-output name=a::ignored')).toBe('::set-output name=a::ignored\n');
    expect(show('::error::ignored')).toBe('::error::ignored\n');
    expect(show('action meta: x=1')).toBe('action meta: x=1\n');
    expect(show('  ::RESUME-4F2A::')).toBe('  ::RESUME-4F2A::\n');
    expect(show('::set-output name=a::taken')).toBe('');
    expect(show('##[stop-commands]abc123')).toBe('##[stop-commands]abc123\n');
    expect(show('::set-output name=b::ignored')).toBe('::set-output name=b::ignored\n');
    expect(show('##[abc123]')).toBe('##[abc123]\n');
    expect(seen.outputs).toEqual({ a: 'taken' });
    // a token of 6 characters or fewer is not masked (the runner's rule)
    expect(seen.masks).toEqual(['resume-4f2a']);
  });

  it("refuses an empty token, 'pause-logging' and a command's name, unless unsecure tokens are allowed", () => {
    for (const token of ['', 'pause-logging', 'set-env', 'Error', 'stop-commands']) {
      const { show, seen } = setup();
      expect(show(`::stop-commands::${token}`)).toBe(
        `::stop-commands::${token}\n##[error]${UNSECURE_STOP_TOKEN_DISABLED}\n`,
      );
      expect(seen.errors).toEqual([`stdout line 1: ${UNSECURE_STOP_TOKEN_DISABLED}`]);
      expect(show('::set-output name=a::1')).toBe('');
    }
    const allowed = setup({ allowUnsecureStopTokens: true });
    allowed.show('::stop-commands::');
    // an empty token is taken, and never resumes
    expect(allowed.show('::::')).toBe('::::\n');
    expect(allowed.show('::set-output name=a::1')).toBe('::set-output name=a::1\n');
    expect(allowed.seen.errors).toEqual([]);
  });
});

describe('set-env and add-path', () => {
  it("are refused with the runner's message unless ACTIONS_ALLOW_UNSECURE_COMMANDS is true", () => {
    const { show, seen } = setup();
    expect(show('::set-env name=A::b')).toBe(
      `##[error]Unable to process command '::set-env name=A::b' successfully.\n##[error]${UNSECURE_COMMAND_DISABLED('set-env')}\n`,
    );
    expect(show('::add-path::/opt/bin')).toContain(UNSECURE_COMMAND_DISABLED('add-path'));
    expect(seen.errors).toEqual([
      `stdout line 1: ${UNSECURE_COMMAND_DISABLED('set-env')}`,
      `stdout line 2: ${UNSECURE_COMMAND_DISABLED('add-path')}`,
    ]);
    expect(UNSECURE_COMMAND_DISABLED('set-env')).toMatch(/^The `set-env` command is disabled\. Please upgrade/);
    expect(seen.env).toEqual({});
    expect(seen.path).toEqual([]);
  });

  it('are applied when allowed; NODE_OPTIONS stays out, an empty path is an error', () => {
    const { show, seen } = setup({ allowUnsecureCommands: true });
    expect(show('::set-env name=A::b%0Ac')).toBe('');
    expect(show('::add-path::/opt/bin')).toBe('');
    expect(show('::set-env name=node_options::--inspect')).toBe(
      "##[error]Can't update NODE_OPTIONS environment variable using ::set-env:: command.\n",
    );
    expect(show('::add-path::')).toContain("##[error]Value cannot be null or empty. (Parameter 'path')");
    expect(seen.env).toEqual({ A: 'b\nc' });
    expect(seen.path).toEqual(['/opt/bin']);
    expect(seen.annotations).toEqual([
      { level: 'error', message: "Can't update NODE_OPTIONS environment variable using ::set-env:: command." },
    ]);
  });

  it('needs a name, as set-output and save-state do', () => {
    const { show, seen } = setup({ allowUnsecureCommands: true });
    for (const command of ['set-output', 'save-state', 'set-env']) {
      expect(show(`::${command}::v`)).toContain(`##[error]Required field 'name' is missing in ##[${command}] command.`);
    }
    expect(seen.errors).toHaveLength(3);
  });
});

describe('echo', () => {
  it('::echo::on prints processed command lines (never a mask or an annotation twice); shared by both streams', () => {
    const shared = { echo: false };
    const out = setup({}, shared);
    const err = setup({}, shared);
    expect(out.show('::echo::on')).toBe('');
    expect(err.show('::set-output name=a::1')).toBe('::set-output name=a::1\n');
    expect(err.show('::add-mask::hidden-value')).toBe('::add-mask::***\n');
    expect(err.show('::error::m')).toBe('##[error]m\n');
    expect(err.show('::group::g')).toBe('::group::g\n##[group]g\n');
    expect(out.show('::echo::OFF')).toBe('::echo::OFF\n');
    expect(err.show('::set-output name=a::2')).toBe('');
    expect(out.show('::echo::maybe')).toContain(
      "##[error]Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: 'maybe'.",
    );
  });

  it('is on from the start with ACTIONS_STEP_DEBUG', () => {
    expect(setup({ debug: true }).show('::set-output name=a::1')).toBe('::set-output name=a::1\n');
  });
});

describe('annotations', () => {
  it('carry title, file and the whole range; a path under the workspace becomes relative', () => {
    const { show, seen } = setup();
    show('::error title=Type error,file=/work/space/src/a.ts,line=3,endLine=3,col=5,endColumn=9::bad type');
    show('::warning file=/elsewhere/b.ts,line=1::w');
    expect(seen.annotations).toEqual([
      {
        level: 'error',
        message: 'bad type',
        title: 'Type error',
        file: 'src/a.ts',
        line: 3,
        endLine: 3,
        col: 5,
        endCol: 9,
      },
      { level: 'warning', message: 'w', file: '/elsewhere/b.ts', line: 1 },
    ]);
  });

  it.each([
    ['line=3,endLine=5,col=1,endColumn=4', { line: 3, endLine: 5 }, 'columns need a single line'],
    ['line=5,endLine=3', {}, 'an end line before the line drops both'],
    ['endLine=7', { line: 7, endLine: 7 }, 'an end line alone is the line too'],
    ['endLine=7,col=2', { line: 7, endLine: 7, col: 2 }, '... and keeps its column'],
    ['col=2,endColumn=4', {}, 'columns without a line are dropped'],
    ['line=2,col=6,endColumn=4', { line: 2 }, 'an end column before the column drops both'],
    ['line=2,endColumn=4', { line: 2, col: 4, endCol: 4 }, 'an end column alone is the column too'],
    ['line= 12 ,col=+3', { line: 12, col: 3 }, 'numbers as int.TryParse reads them'],
    ['line=x,col=1', {}, 'not a number'],
    ['line=-1', {}, 'below 0 is left out'],
  ])('%s → %j (%s)', (props, expected, _why) => {
    const parsed = Object.fromEntries(props.split(',').map((p) => [p.split('=')[0]!.toLowerCase(), p.split('=')[1]!]));
    expect(validRange(parsed)).toEqual(expected);
  });

  it('keeps at most 4096 characters of a message', () => {
    const { show, seen } = setup();
    show(`::error::${'m'.repeat(5000)}`);
    expect(seen.annotations[0]!.message).toHaveLength(4096);
  });
});

describe('add-mask', () => {
  it('warns about an empty value, as the runner does', () => {
    const { show, seen } = setup();
    expect(show('::add-mask::  ')).toBe("##[warning]Can't add secret mask for empty string in ##[add-mask] command.\n");
    expect(seen.masks).toEqual([]);
    expect(seen.warnings).toHaveLength(1);
  });

  it('registers the unescaped value, and the value as written', () => {
    const { show, seen } = setup();
    show('::add-mask::line-one%0Aline-two');
    expect(seen.masks).toEqual(['line-one\nline-two', 'line-one%0Aline-two']);
  });
});
