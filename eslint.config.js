// Lint: typescript-eslint's type-aware recommended rules over everything we write.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

// The core's layers, lowest first (DESIGN.md "Layout"): a module may import its own layer's
// folders named as allowed below and any lower layer, never a higher one. With no-cycle this keeps
// every dependency between src/ folders pointing one way.
const LAYERS = [
  ["src/i18n", "src/errors.ts", "src/address.ts", "src/version.ts", "src/paths.ts", "src/pid.ts", "src/processRunner.ts", "src/internalLog.ts", "src/safeText.ts", "src/time.ts", "src/fs", "src/certs", "src/windows", "src/privilege/forUser.ts", "src/installRecord.ts"],
  ["src/config"],
  ["src/smtp", "src/truststore", "src/secrets", "src/policy"],
  ["src/diagnostics", "src/clients", "src/privilege/userJob.ts"],
  ["src/onboarding.ts", "src/offboarding.ts", "src/status.ts", "src/runlog.ts", "src/demo", "src/docs", "src/support"],
  ["src/app", "src/cli"],
];
const higher = (i) => LAYERS.slice(i + 1).flat();
// Folders of one layer that must not import each other.
const SIBLINGS = [["src/smtp", "src/truststore", "src/secrets", "src/policy"], ["src/diagnostics", "src/clients"], ["src/app", "src/cli"]];
const layerZones = [
  ...LAYERS.flatMap((layer, i) => layer.map((target) => ({ target, from: higher(i), message: "a lower layer of src/ never imports a higher one (DESIGN.md, Layout)." }))).filter((z) => z.from.length > 0),
  ...SIBLINGS.flatMap((group) => group.map((target) => ({ target, from: group.filter((f) => f !== target), message: "these folders are siblings: neither imports the other." }))),
  { target: "src", from: ["electron", "renderer"], message: "src/ is the core: it never imports electron/ or renderer/." },
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".stryker-tmp/", ".mutation-tmp/", "reports/", "test-output/", "test/fixtures/prefs-corpus/"] },
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
    files: ["src/**/*.ts", "electron/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      "import-x/resolver": undefined,
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": ["error", { zones: layerZones }],
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: [{ name: "electron", message: "src/ is the core: it never imports electron." }] }],
      // The executable's bundle is compiled without a dynamic-import loader: only our own modules
      // (inlined by esbuild) may be import()ed; a built-in import()ed there fails at run time.
      "no-restricted-syntax": ["error", { selector: "ImportExpression[source.value=/^node:/]", message: "import node: built-ins statically: the shipped executable cannot import() them" }],
    },
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
            // One exception: the pure fingerprint formatter, so every surface shows a fingerprint alike.
            { regex: "^\\.\\./\\.\\./src/(?!certs/fingerprint\\.js$|i18n/[a-z]{2}\\.json$|i18n/checkTitle\\.js$)", allowTypeImports: true, message: "the renderer may import only types from src/ (and the pure fingerprint formatter, check titles and the message catalogues)." },
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
      "@typescript-eslint/no-unsafe-argument": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node, parserOptions: { projectService: false } },
  },
  {
    // electron-builder hooks: CommonJS, loaded with require().
    files: ["**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: "commonjs", globals: globals.node, parserOptions: { projectService: false } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
