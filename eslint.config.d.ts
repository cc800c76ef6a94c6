// Types for eslint.config.js (the boundary test checks it carries the layer rule).
import type { Linter } from 'eslint';

declare const config: Linter.Config[];
export default config;
