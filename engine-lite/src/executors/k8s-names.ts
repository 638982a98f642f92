/**
 * Kubernetes names and label values derived from task ids: DNS-1123 labels (lower case
 * alphanumerics and `-`, at most 63 characters) that stay unique through a hash suffix.
 */
import { createHash } from 'node:crypto';

export const TASK_LABEL = 'caravan.task';
export const RUN_LABEL = 'caravan.run';
export const STEP_LABEL = 'caravan.step';
export const TASK_ID_ANNOTATION = 'caravan.dev/task-id';

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 10);
}

/** The Job's name (the Secret adds `-context`); at most 52 characters so derived names stay ≤ 63. */
export function jobName(taskId: string): string {
  const slug = taskId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return `caravan-${slug ? `${slug}-` : ''}${shortHash(taskId)}`;
}

export function contextSecretName(taskId: string): string {
  return `${jobName(taskId)}-context`;
}

export function actionConfigMapName(taskId: string): string {
  return `${jobName(taskId)}-action`;
}

/** A valid label value (≤ 63, alphanumeric at both ends, `-_.` inside) that identifies the input. */
export function labelValue(value: string): string {
  if (/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(value)) return value;
  const slug = value
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 40)
    .replace(/[^A-Za-z0-9]+$/, '');
  return `${slug ? `${slug}-` : ''}${shortHash(value)}`;
}
