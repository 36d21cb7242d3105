#!/usr/bin/env node
// Regenerates docs/failure-codes.md from the compiled code table (run `npm run build` first).
import { writeFileSync } from "node:fs";
import { renderFailureCodesMarkdown } from "../dist/docs/failureCodes.js";

writeFileSync(new URL("../docs/failure-codes.md", import.meta.url), renderFailureCodesMarkdown());
