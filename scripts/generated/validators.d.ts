import type { ValidateFunction } from 'ajv';
export declare const validateManifest: ValidateFunction;
export declare const validateConfig: ValidateFunction;
export declare const validateAgentState: ValidateFunction;
