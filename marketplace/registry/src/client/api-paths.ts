/** The registry API's paths for an action and for one of its versions. */
import { parseActionName } from '../names.js';
import { checkedLocally } from './client-errors.js';

export function actionPath(name: string): string {
  checkedLocally(() => parseActionName(name));
  return `/v1/actions/${name.split('/').map(encodeURIComponent).join('/')}/-`;
}

export function versionPath(name: string, version: string): string {
  return `${actionPath(name)}/versions/${encodeURIComponent(version)}`;
}
