import { getInput, info, run, setOutput } from './lib/io.mjs';

run(() => {
  const message = getInput('message', { required: true });
  info(message);
  setOutput('message', message);
});
