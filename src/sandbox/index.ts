export type { HostToolchain, Mount, RunResult, Runner, SandboxCommand } from './types.js';
export { bwrapArgs, SANDBOX_HOSTNAME } from './bwrap-args.js';
export { detectHostToolchain } from './toolchain.js';
export { BubblewrapRunner, type BubblewrapOptions } from './bubblewrap.js';
export { DirectRunner, translatePaths } from './direct.js';
export { pickRunner, type RunnerPreference } from './pick.js';
