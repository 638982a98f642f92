/** The JSON Schemas in spec/schemas/, compiled once. The schemas are the source of truth for shapes. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import actionSchema from '../schemas/action.schema.json' with { type: 'json' };
import agentReportSchema from '../schemas/agent-report.schema.json' with { type: 'json' };
import pipelineSchema from '../schemas/pipeline.schema.json' with { type: 'json' };
import taskContextSchema from '../schemas/task-context.schema.json' with { type: 'json' };

export { actionSchema, agentReportSchema, pipelineSchema, taskContextSchema };

let instance: Ajv | undefined;

/** Built on first use, so importing spec/ costs nothing until something is validated. */
function ajv(): Ajv {
  if (!instance) {
    instance = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    // Editor hints (yaml-language-server, VS Code): annotations only, no validation of their own.
    instance.addKeyword({ keyword: 'errorMessage', schemaType: ['string', 'object'] });
    instance.addSchema(agentReportSchema, 'agent-report');
  }
  return instance;
}

const compiled = new Map<string, ValidateFunction>();

function lazy(name: string, build: () => ValidateFunction): ValidateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    fn = build();
    compiled.set(name, fn);
  }
  return fn;
}

export type SchemaName = 'action' | 'pipeline' | 'task-context' | 'agent-report' | 'log-batch' | 'event-batch';

export function validatorFor(name: SchemaName): ValidateFunction {
  return lazy(name, () => {
    switch (name) {
      case 'action':
        return ajv().compile(actionSchema);
      case 'pipeline':
        return ajv().compile(pipelineSchema);
      case 'task-context':
        return ajv().compile(taskContextSchema);
      case 'agent-report':
        return ajv().getSchema('agent-report') as ValidateFunction;
      case 'log-batch':
        return ajv().getSchema('agent-report#/$defs/LogBatch') as ValidateFunction;
      case 'event-batch':
        return ajv().getSchema('agent-report#/$defs/EventBatch') as ValidateFunction;
    }
  });
}

/** Checks a JSON value (e.g. a callback body) against a schema; messages name the JSON path. */
export function validateJson(name: SchemaName, value: unknown): { ok: true } | { ok: false; errors: string[] } {
  const validate = validatorFor(name);
  if (validate(value)) return { ok: true };
  const errors = (validate.errors ?? []).map(
    (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`,
  );
  return { ok: false, errors };
}
