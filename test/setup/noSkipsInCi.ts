// Under CI=true a skipped test fails the run: on CI every real tool is provisioned and the run is
// root, so a test that skips (no Postfix, no Thunderbird, no Wine, not root) has lost its power
// without anyone noticing. Locally a skip stays a skip, with the reason each file prints.
import type { Reporter, TestModule } from "vitest/node";

export default class NoSkipsInCi implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (process.env.CI !== "true") return;
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        if (test.result().state === "skipped") skipped.push(`${module.relativeModuleId} > ${test.fullName}`);
      }
    }
    if (skipped.length === 0) return;
    process.stderr.write(`\nCI=true: ${skipped.length} test(s) skipped, which fails the run (a real tool missing, or not root):\n${skipped.map((s) => `  ${s}`).join("\n")}\n`);
    process.exitCode = 1;
  }
}
