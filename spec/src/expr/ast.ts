/** Types of the `${{ }}` expression language: the syntax tree, the evaluation context and errors. */

/** The contexts an expression may name. `outputs` and `dirs` are Erda's forms. */
export const CONTEXT_NAMES = ['params', 'steps', 'secrets', 'env', 'run', 'outputs', 'dirs', 'event'] as const;
export type ContextName = (typeof CONTEXT_NAMES)[number];

export type BinaryOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

/** Every node carries the offset of its first character in the expression source. */
export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; offset: number }
  | { kind: 'context'; name: ContextName; offset: number }
  | { kind: 'member'; object: Expr; property: string; offset: number }
  | { kind: 'index'; object: Expr; index: Expr; offset: number }
  | { kind: 'call'; name: string; args: Expr[]; offset: number }
  | { kind: 'not'; operand: Expr; offset: number }
  | { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr; offset: number };

export interface ExprError {
  message: string;
  /** Offset in the source that was given (the expression, or the whole template). */
  offset: number;
  hint?: string;
}

export interface StepResults {
  outputs?: Record<string, string>;
  files?: Record<string, string>;
  status?: string;
}

export interface ExprContext {
  params?: Record<string, unknown>;
  steps?: Record<string, StepResults>;
  secrets?: Record<string, string>;
  env?: Record<string, string>;
  run?: { id: string };
  /** Workspace directory of each step, by id (Erda's `dirs.<alias>`). */
  dirs?: Record<string, string>;
  /** The payload of the webhook delivery that started the run (empty otherwise). */
  event?: Record<string, unknown>;
  /** Outcome so far, for `success()`, `failure()` and `cancelled()`; absent means all went well. */
  status?: { success: boolean; failure: boolean; cancelled: boolean };
}

export type EvalResult = { ok: true; value: unknown } | { ok: false; error: ExprError };

export type ParseExpressionResult = { ok: true; ast: Expr } | { ok: false; error: ExprError };
