/** One stored log line as `caravan logs` prints it: `[step] ` when several steps, `! ` stderr, `# ` the agent's. */
export interface LogLine {
  stepId: string;
  stream: string;
  text: string;
}

export function formatLogLine(l: LogLine, withStep: boolean): string {
  const line = `${withStep ? `[${l.stepId}] ` : ''}${l.stream === 'stderr' ? '! ' : l.stream === 'agent' ? '# ' : ''}${l.text}`;
  return line.endsWith('\n') ? line : `${line}\n`;
}
