// The suite runs a second time with the clock a year or more ahead (libfaketime, see .ci/run). That
// clock is for our code; the programs we use as oracles (Thunderbird, Chromium) hang or spin under
// libfaketime, so they are started on the real clock: without its preload and settings.

/** The variables that carry libfaketime's clock into a child process. */
const isClockVariable = (name: string) => name === "LD_PRELOAD" || name === "FAKETIME" || name.startsWith("FAKETIME_");

export function realClockEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !isClockVariable(name)));
}

/**
 * The test's own clock for a child process whose environment a test builds from scratch: under the
 * suite's run a year ahead, the command under test must see the year the test signed its documents
 * and issued its certificates in. Empty on the real clock.
 */
export function testClockEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && isClockVariable(e[0])));
}
