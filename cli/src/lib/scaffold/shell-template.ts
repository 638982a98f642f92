/** The script of a new action run by a shell (`runs: { command: sh }`), also used in the image runtime. */
export const shellScript = `#!/bin/sh
# Reads its inputs from INPUT_<NAME>, writes outputs to $CARAVAN_OUTPUT, and reports errors as
# ::error:: lines with a non-zero exit.
set -eu

who="\${INPUT_WHO:-world}"
shout="\${INPUT_SHOUT:-false}"
case "$shout" in
  true|false) ;;
  *) echo "::error::input \\"shout\\" must be true or false, got \\"$shout\\""; exit 1 ;;
esac

greeting="Hello, $who!"
if [ "$shout" = true ]; then greeting=$(printf '%s' "$greeting" | tr '[:lower:]' '[:upper:]'); fi
echo "$greeting"
{
  echo "greeting<<EOF_GREETING"
  echo "$greeting"
  echo "EOF_GREETING"
} >> "$CARAVAN_OUTPUT"
`;
