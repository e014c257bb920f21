/**
 * Whether ink may redraw on `stream`. Besides the command's own decision (a TTY, no CI, no --json), ink
 * has a CI check of its own (the is-in-ci package: CI or CONTINUOUS_INTEGRATION set to anything but
 * '0'/'false', even empty) under which it only prints the last frame; a live view must then fall back to
 * plain lines rather than show nothing.
 */
export function canRedraw(
  stream: NodeJS.WriteStream,
  interactive: boolean,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const inkThinksCi = ['CI', 'CONTINUOUS_INTEGRATION'].some(
    (k) => k in env && env[k] !== '0' && env[k] !== 'false',
  );
  return interactive && Boolean(stream.isTTY) && !inkThinksCi;
}
