// The renderer is built into dist/renderer and loaded by Electron from the file system (base "./").
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  plugins: [react()],
  build: { outDir: "../dist/renderer", emptyOutDir: true, sourcemap: false, target: "chrome130" },
});
