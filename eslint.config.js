// Lint: typescript-eslint's type-aware recommended rules over everything we write.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [{ name: "electron", message: "src/ is the core: it never imports electron." }] }] },
  },
  {
    // The renderer reaches the core only through the preload API: types from src/, nothing else.
    files: ["renderer/**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [{ name: "electron", message: "the renderer talks to main only through window.relayOnboard." }],
          patterns: [
            { group: ["../../src/*", "../../src/**"], allowTypeImports: true, message: "the renderer may import only types from src/." },
            { group: ["node:*"], message: "no Node in the renderer." },
          ],
        },
      ],
    },
  },
  {
    // Tests build hostile documents by mutating untyped JSON on purpose.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node, parserOptions: { projectService: false } },
  },
);
