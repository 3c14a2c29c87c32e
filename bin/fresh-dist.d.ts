// Types of fresh-dist.js (plain JavaScript: bin/ runs before anything is compiled), for test/build-dist.ts.
export declare const STAMP: string;
export declare function staleness(root: string): string | undefined;
export declare function ensureFreshDist(root: string): void;
