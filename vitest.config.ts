import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/setup/shippedCli.ts"],
    reporters: ["default", "./test/setup/noSkipsInCi.ts"],
  },
});
