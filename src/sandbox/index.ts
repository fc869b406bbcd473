export type { HostToolchain, Mount, RunResult, Runner, SandboxCommand } from './types.js';
export { bwrapArgs, SANDBOX_HOSTNAME } from './bwrap-args.js';
export { detectHostToolchain } from './toolchain.js';
export { BubblewrapRunner, type BubblewrapOptions } from './bubblewrap.js';
export { DirectRunner, translatePaths } from './direct.js';
export { pickRunner, type RunnerPreference } from './pick.js';
export {
  BUILD_DIR,
  BUILD_UMASK,
  C_FLAGS,
  PREFIX_MAP,
  SYSTEM_PATH,
  buildEnv,
  buildJobs,
  cFlags,
  commonEnv,
  type BuildEnvBase,
} from './build-env.js';
