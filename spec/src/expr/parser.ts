/** Parses one expression (the text between `${{` and `}}`) into a syntax tree; never throws. */
import { suggestion } from '../did-you-mean.js';
import {
  CONTEXT_NAMES,
  type BinaryOperator,
  type ContextName,
  type Expr,
  type ExprError,
  type ParseExpressionResult,
} from './ast.js';
import { FUNCTIONS } from './functions.js';
import { tokenize, type Token } from './tokenizer.js';

/** Deeper trees are refused, so neither parsing nor evaluation can exhaust the stack. */
export const MAX_EXPRESSION_DEPTH = 64;
export const MAX_EXPRESSION_LENGTH = 16 * 1024;

class ParseFailure {
  constructor(readonly error: ExprError) {}
}

const LEVELS: ReadonlyArray<readonly BinaryOperator[]> = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>=']];

export function parseExpression(src: string): ParseExpressionResult {
  if (typeof src !== 'string') return { ok: false, error: { message: 'expression must be a string', offset: 0 } };
  if (src.length > MAX_EXPRESSION_LENGTH) {
    return {
      ok: false,
      error: {
        message: `expression is ${src.length} characters long, over the limit of ${MAX_EXPRESSION_LENGTH}`,
        offset: 0,
        hint: 'move large values into params or files',
      },
    };
  }
  const lexed = tokenize(src);
  if (!lexed.ok) return lexed;
  if (lexed.tokens.length === 1)
    return {
      ok: false,
      error: { message: 'empty expression', offset: 0, hint: 'write e.g. params.name or steps.<id>.outputs.<name>' },
    };
  try {
    const parser = new Parser(lexed.tokens);
    return { ok: true, ast: parser.parseAll() };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: e.error };
    if (e instanceof RangeError)
      return {
        ok: false,
        error: { message: 'expression nests too deeply', offset: 0, hint: `at most ${MAX_EXPRESSION_DEPTH} levels` },
      };
    throw e;
  }
}

class Parser {
  private pos = 0;
  private readonly depths = new WeakMap<Expr, number>();

  constructor(private readonly tokens: Token[]) {}

  parseAll(): Expr {
    const expr = this.parseLevel(0, 0);
    const next = this.peek();
    if (next.type !== 'end')
      this.fail(
        `unexpected ${describe(next)} after the end of the expression`,
        next.offset,
        'join conditions with && or ||',
      );
    return expr;
  }

  private parseLevel(level: number, depth: number): Expr {
    const operators = LEVELS[level];
    if (!operators) return this.parseUnary(depth);
    let left = this.parseLevel(level + 1, depth);
    for (;;) {
      const token = this.peek();
      if (token.type !== 'punct' || !(operators as readonly string[]).includes(token.value)) return left;
      this.pos++;
      const right = this.parseLevel(level + 1, depth);
      left = this.node(
        { kind: 'binary', op: token.value as BinaryOperator, left, right, offset: left.offset },
        token.offset,
        left,
        right,
      );
    }
  }

  private parseUnary(depth: number): Expr {
    this.checkDepth(depth);
    const token = this.peek();
    if (token.type === 'punct' && token.value === '!') {
      this.pos++;
      const operand = this.parseUnary(depth + 1);
      return this.node({ kind: 'not', operand, offset: token.offset }, token.offset, operand);
    }
    return this.parsePostfix(depth);
  }

  private parsePostfix(depth: number): Expr {
    let expr = this.parsePrimary(depth);
    for (;;) {
      const token = this.peek();
      if (token.type === 'punct' && token.value === '.') {
        this.pos++;
        const name = this.next();
        if (name.type !== 'ident' && name.type !== 'number')
          this.fail(
            `expected a property name after '.', found ${describe(name)}`,
            name.offset,
            "write a.b, or a['b'] for names with other characters",
          );
        expr = this.node({ kind: 'member', object: expr, property: name.text, offset: expr.offset }, name.offset, expr);
      } else if (token.type === 'punct' && token.value === '[') {
        this.pos++;
        const index = this.parseLevel(0, depth + 1);
        this.expect(']', "close the index with ']'");
        expr = this.node({ kind: 'index', object: expr, index, offset: expr.offset }, token.offset, expr, index);
      } else {
        return expr;
      }
    }
  }

  private parsePrimary(depth: number): Expr {
    const token = this.next();
    switch (token.type) {
      case 'number':
        return this.node({ kind: 'literal', value: token.value, offset: token.offset }, token.offset);
      case 'string':
        return this.node({ kind: 'literal', value: token.value, offset: token.offset }, token.offset);
      case 'ident':
        return this.parseIdentifier(token, depth);
      case 'punct':
        if (token.value === '(') {
          this.checkDepth(depth + 1);
          const inner = this.parseLevel(0, depth + 1);
          this.expect(')', "close the parenthesis with ')'");
          return inner;
        }
        return this.fail(
          `unexpected ${describe(token)}`,
          token.offset,
          'expected a value: a literal, a context like params.x, or a function call',
        );
      case 'end':
        return this.fail('unexpected end of expression', token.offset, 'the expression is incomplete');
    }
  }

  private parseIdentifier(token: Extract<Token, { type: 'ident' }>, depth: number): Expr {
    const word = token.value;
    if (word === 'true' || word === 'false')
      return this.node({ kind: 'literal', value: word === 'true', offset: token.offset }, token.offset);
    if (word === 'null') return this.node({ kind: 'literal', value: null, offset: token.offset }, token.offset);
    const after = this.peek();
    if (after.type === 'punct' && after.value === '(') return this.parseCall(token, depth);
    if ((CONTEXT_NAMES as readonly string[]).includes(word))
      return this.node({ kind: 'context', name: word as ContextName, offset: token.offset }, token.offset);
    return this.fail(`unknown context "${word}"`, token.offset, suggestion(word, CONTEXT_NAMES));
  }

  private parseCall(token: Extract<Token, { type: 'ident' }>, depth: number): Expr {
    const def = Object.hasOwn(FUNCTIONS, token.value) ? FUNCTIONS[token.value] : undefined;
    if (!def)
      this.fail(`unknown function "${token.value}"`, token.offset, suggestion(token.value, Object.keys(FUNCTIONS)));
    this.checkDepth(depth + 1);
    this.pos++; // '('
    const args: Expr[] = [];
    const close = this.peek();
    if (close.type === 'punct' && close.value === ')') {
      this.pos++;
    } else {
      for (;;) {
        args.push(this.parseLevel(0, depth + 1));
        const sep = this.next();
        if (sep.type === 'punct' && sep.value === ')') break;
        if (!(sep.type === 'punct' && sep.value === ','))
          this.fail(`expected ',' or ')' in the arguments of ${token.value}(), found ${describe(sep)}`, sep.offset);
      }
    }
    const { minArgs, maxArgs } = def as NonNullable<typeof def>;
    if (args.length < minArgs || args.length > maxArgs) {
      const wanted =
        minArgs === maxArgs ? `${minArgs}` : maxArgs > 16 ? `at least ${minArgs}` : `${minArgs} to ${maxArgs}`;
      this.fail(
        `${token.value}() takes ${wanted} argument${wanted === '1' ? '' : 's'}, got ${args.length}`,
        token.offset,
      );
    }
    return this.node({ kind: 'call', name: token.value, args, offset: token.offset }, token.offset, ...args);
  }

  /** Records the node's depth and refuses trees deeper than the limit. */
  private node(expr: Expr, offset: number, ...children: Expr[]): Expr {
    const depth = 1 + Math.max(0, ...children.map((c) => this.depths.get(c) ?? 1));
    if (depth > MAX_EXPRESSION_DEPTH)
      this.fail(
        `expression nests deeper than ${MAX_EXPRESSION_DEPTH} levels`,
        offset,
        'split it into smaller steps or params',
      );
    this.depths.set(expr, depth);
    return expr;
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_EXPRESSION_DEPTH)
      this.fail(
        `expression nests deeper than ${MAX_EXPRESSION_DEPTH} levels`,
        this.peek().offset,
        'split it into smaller steps or params',
      );
  }

  private expect(value: string, hint: string): void {
    const token = this.next();
    if (!(token.type === 'punct' && token.value === value))
      this.fail(`expected '${value}', found ${describe(token)}`, token.offset, hint);
  }

  private peek(): Token {
    return this.tokens[this.pos] ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  private next(): Token {
    const token = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return token;
  }

  private fail(message: string, offset: number, hint?: string): never {
    throw new ParseFailure(hint ? { message, offset, hint } : { message, offset });
  }
}

function describe(token: Token): string {
  if (token.type === 'end') return 'end of expression';
  if (token.type === 'string') return 'a string';
  return `"${token.text}"`;
}
