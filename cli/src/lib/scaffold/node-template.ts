/** The files of a new action run by Node.js (`runs: { node: index.mjs }`). */
export const nodeIndex = `// Reads its inputs from INPUT_<NAME>, writes outputs to $CARAVAN_OUTPUT, and reports errors
// as ::error:: lines with a non-zero exit. Only Node.js built-ins: the folder is the whole package.
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

function input(name, fallback) {
  const value = process.env[\`INPUT_\${name.toUpperCase().replace(/[-.]/g, '_')}\`];
  return value === undefined || value === '' ? fallback : value;
}

function setOutput(name, value) {
  const delimiter = \`EOF_\${randomBytes(8).toString('hex')}\`;
  appendFileSync(process.env.CARAVAN_OUTPUT, \`\${name}<<\${delimiter}\\n\${value}\\n\${delimiter}\\n\`);
}

function fail(message) {
  console.log(\`::error::\${message}\`);
  process.exit(1);
}

const who = input('who', 'world');
const shout = input('shout', 'false');
if (shout !== 'true' && shout !== 'false') fail(\`input "shout" must be true or false, got "\${shout}"\`);

let greeting = \`Hello, \${who}!\`;
if (shout === 'true') greeting = greeting.toUpperCase();
console.log(greeting);
setOutput('greeting', greeting);
`;
