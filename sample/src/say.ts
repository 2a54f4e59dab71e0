/** The sample's own output: plain lines, so the walkthrough is easy to follow. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}
