// The tests mutation testing runs: those that exercise the security-critical modules (unit tests
// and the integration tests against scripted servers). The Thunderbird, Postfix, browser and trust
// store tests are left to `npm test`: they need system services and add minutes per run.
import { chmodSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

// Mutants of code that deletes (the leftover cleaner, the locks) must only ever reach the tests'
// own folders: a mutant of src/fs/leftovers.ts once emptied the machine's /tmp of root's files.
// Every temporary folder of the mutation run — the tests' and the code's — is under this one.
// It is a folder of its own under /tmp, not inside Stryker's sandbox: the sandbox is private to
// root (mode 0700), and the root-for-a-user tests hand files in it to another account.
const TMP = join(tmpdir(), "relay-onboard-mutation");
mkdirSync(TMP, { recursive: true });
chmodSync(TMP, 0o755);

export default defineConfig({
  test: {
    root: `${import.meta.dirname}/..`,
    // MUTATION_TESTS=a.test.ts,b.test.ts measures with those tests only (a quick, lower-bound score
    // of one module by its in-process tests; the full list can only kill more).
    include: process.env["MUTATION_TESTS"]?.split(",") ?? [
      "test/unit/smtp-reply.test.ts",
      "test/unit/config-verify.test.ts",
      "test/unit/config-schema.test.ts",
      "test/unit/config-trusted-keys.test.ts",
      "test/unit/cli-config.test.ts",
      "test/unit/thunderbird-prefs.test.ts",
      "test/unit/thunderbird-as-owner.test.ts",
      "test/unit/truststore-accept.test.ts",
      "test/integration/smtp-submission.test.ts",
      "test/integration/redaction.test.ts",
      "test/integration/audit.test.ts",
      "test/integration/config-fetch.test.ts",
      "test/integration/profile-as-owner.test.ts",
      "test/integration/smtp-session.test.ts",
      "test/unit/errors-and-inputs.test.ts",
      "test/unit/truststore-platforms.test.ts",
      "test/unit/root-rotation.test.ts",
      "test/unit/thunderbird-policies.test.ts",
      "test/unit/thunderbird-locks.test.ts",
      "test/unit/thunderbird-configure.test.ts",
      "test/integration/app-service-rotation.test.ts",
      "test/integration/thunderbird-policy.test.ts",
      "test/unit/windows-text.test.ts",
      "test/unit/system-path.test.ts",
      "test/unit/state-dir.test.ts",
      "test/unit/install-record.test.ts",
      "test/unit/thunderbird-offboard.test.ts",
      "test/unit/leftovers.test.ts",
      "test/unit/run-lock.test.ts",
      "test/unit/browser-policies.test.ts",
    ],
    env: { TMPDIR: TMP },
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: "forks",
    // CLI-level tests spawn the command line as it ships: `npm run test:mutation` builds it before
    // Stryker copies dist/ into its sandbox (instrumented sources cannot be bundled). Those runs use
    // the unmutated build, so they kill no mutant: the in-process tests must.
  },
});
