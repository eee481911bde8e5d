// Lint: typescript-eslint's recommended rules on top of ESLint's; typechecking is `tsc --noEmit` (npm run typecheck).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { layerRules } from "./eslint.layers.js";

export default tseslint.config(
  { ignores: ["node_modules/", ".data/", ".cache/", "dist/", "test-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": ["error", { allow: ["error"] }],
    },
  },
  { files: ["scripts/**", "test/**"], rules: { "no-console": "off" } },
  ...layerRules,
);
