// Adds numbers; the sample project that examples/ci builds and tests.
export function sum(...values) {
  return values.reduce((total, v) => total + v, 0);
}
