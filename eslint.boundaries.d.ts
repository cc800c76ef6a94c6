// Types for eslint.boundaries.js (imported by the boundary test).
import type { Linter } from 'eslint';

export declare const boundaries: Linter.Config[];
