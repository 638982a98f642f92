export * from './issues.js';
export * from './action-types.js';
export * from './pipeline-types.js';
export * from './agent-types.js';
