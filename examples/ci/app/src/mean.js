import { sum } from './sum.js';

// The arithmetic mean; NaN for no values.
export function mean(...values) {
  return values.length === 0 ? NaN : sum(...values) / values.length;
}
