// A test hook for crash safety (issue 24): with RELAY_ONBOARD_TEST_KILL_AT=N the process stops
// itself with SIGKILL at its Nth write event — as a crash, a power cut or a killed MDM script
// would — so the suite can kill a run at every write and check that the next run converges;
// RELAY_ONBOARD_TEST_STOP_AT=N pauses it there (SIGSTOP) so a test can race another run against it;
// RELAY_ONBOARD_TEST_KILL_AT=list names every event on stderr. Unset (always, outside the suite),
// nothing happens; set by someone else, it can only stop this process, which they can anyway.
let count = 0;

export function writeEvent(name: string): void {
  const kill = process.env["RELAY_ONBOARD_TEST_KILL_AT"];
  const stop = process.env["RELAY_ONBOARD_TEST_STOP_AT"];
  if (!kill && !stop) return;
  count++;
  if (kill === "list") process.stderr.write(`relay-onboard write event ${count}: ${name}\n`);
  else if (Number(kill) === count) process.kill(process.pid, "SIGKILL");
  if (Number(stop) === count) process.kill(process.pid, "SIGSTOP");
}
