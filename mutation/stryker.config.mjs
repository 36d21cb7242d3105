// Mutation testing of the security-critical modules (`npm run test:mutation`): StrykerJS changes
// the code one small way at a time and runs the tests that cover the change; a mutant that no test
// notices is a test we are missing. Target: 85 % or more on each file. Mutants that cannot change
// behaviour are listed with their reason in mutation/equivalent.md.
export default {
  packageManager: "npm",
  testRunner: "vitest",
  vitest: { configFile: "mutation/vitest.config.ts" },
  plugins: ["@stryker-mutator/vitest-runner"],
  coverageAnalysis: "perTest",
  concurrency: 2,
  timeoutMS: 5_000,
  mutate: [
    "src/smtp/reply.ts",
    "src/smtp/session.ts",
    "src/smtp/connection.ts",
    "src/config/verify.ts",
    "src/config/schema.ts",
    "src/clients/thunderbird/prefs.ts",
    "src/clients/thunderbird/configure.ts",
    "src/clients/thunderbird/locks.ts",
    "src/clients/thunderbird/asOwner.ts",
    "src/privilege/forUser.ts",
    "src/privilege/userJob.ts",
    "src/clients/thunderbird/policiesJson.ts",
    "src/fs/systemPath.ts",
    "src/config/fetch.ts",
    "src/truststore/accept.ts",
    "src/truststore/rotation.ts",
    "src/config/roots.ts",
    "src/clients/thunderbird/policies.ts",
    "src/installRecord.ts",
    "src/clients/thunderbird/offboard.ts",
    "src/fs/leftovers.ts",
    "src/fs/pidLock.ts",
  ],
  // dist/ is copied into the sandbox: a few CLI tests run the built command as a process.
  ignorePatterns: ["test-output", "coverage", ".stryker-tmp", ".mutation-tmp", "reports"],
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
