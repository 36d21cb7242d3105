// The suite runs a second time with the clock a year or more ahead (libfaketime, see .ci/run). That
// clock is for our code; the programs we use as oracles (Thunderbird, Chromium) hang or spin under
// libfaketime, so they are started on the real clock: without its preload and settings.
export function realClockEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (name === "LD_PRELOAD" || name === "FAKETIME" || name.startsWith("FAKETIME_")) continue;
    out[name] = value;
  }
  return out;
}
